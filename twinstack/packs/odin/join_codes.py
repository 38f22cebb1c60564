"""Gathering join codes: 8 upper-case characters, unique per project, matched however they are typed.

The alphabet leaves out 0/O and 1/I, which people misread when a code is
read aloud or copied from a screen. ``ABCD-2345``, ``abcd2345`` and
``abcd 2345`` are one code. Uniqueness is a key row per project and code taken
with ``insert``, so two gatherings never share one, whichever worker makes them.
"""

from __future__ import annotations

import secrets

from twinstack.engine.twin import Twin

ALPHABET = "ABCDEFGHJKLMNPQRSTUVWXYZ23456789"
LENGTH = 8
CODES = "gathering-codes"
"""``<projectId>/<code>`` -> ``{"gatheringId"}``."""
_ATTEMPTS = 32


def normalise(text: str) -> str:
    """The code as stored: hyphens and blanks dropped, upper case."""
    return "".join(ch for ch in text if ch not in "- \t").upper()


def _key(project_id: str, code: str) -> str:
    return f"{project_id}/{code}"


def reserve(twin: Twin, tenant: str, project_id: str, gathering_id: str) -> str:
    """A fresh code of the project, now held by ``gathering_id``."""
    codes = twin.collection(tenant, CODES)
    for _ in range(_ATTEMPTS):
        code = "".join(secrets.choice(ALPHABET) for _ in range(LENGTH))
        if codes.insert(_key(project_id, code), {"gatheringId": gathering_id}):
            return code
    raise RuntimeError("no free join code after repeated attempts")


def gathering_of(twin: Twin, tenant: str, project_id: str, typed: str) -> str | None:
    """The id of the project's gathering holding the code as typed, if any."""
    code = normalise(typed)
    if len(code) != LENGTH:
        return None
    found = twin.collection(tenant, CODES).get(_key(project_id, code))
    return str(found["gatheringId"]) if found is not None else None
