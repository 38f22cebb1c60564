"""Changes a run proposes: a real diff of the workspace when the prompt asks for a replacement in a file.

A prompt of the form ``replace "<old>" with "<new>" in <path>`` (or ``change "<old>" to "<new>" in <path>``,
any quotes, any case) names a change the responder can make exactly: if the file exists in the project's
workspace and holds ``<old>``, the run creates an ``open`` diff (``/diffs``, the same records ``POST
/projects/{id}/diffs`` makes) replacing every occurrence, and lists it in ``result.diff_ids``; applying
it is the client's choice, as with any diff. Nothing else in a prompt produces a diff.
"""

from __future__ import annotations

import difflib
import re
from typing import Any

from twinstack.engine.twin import Twin
from twinstack.packs.g4fagent import diffs, repo
from twinstack.packs.g4fagent.errors import ApiError
from twinstack.packs.g4fagent.handlers.diffs import DIFFS
from twinstack.packs.g4fagent.handlers.projects import PROJECTS
from twinstack.packs.g4fagent.records import iso, new_id
from twinstack.packs.g4fagent.workspace import Workspace

_ASK = re.compile(r"""(?:replace|change)\s+(["'`])(?P<old>.+?)\1\s+(?:with|to|by)\s+(["'`])(?P<new>.*?)\3\s+in\s+"""
                  r"""(?P<path>[\w./-]+[\w])""", re.IGNORECASE | re.DOTALL)


def requested(prompt: str) -> tuple[str, str, str] | None:
    """``(old, new, path)`` when the prompt asks for a replacement in a file."""
    found = _ASK.search(prompt)
    return (found["old"], found["new"], found["path"]) if found else None


def propose(twin: Twin, tenant: str, project_id: str, prompt: str) -> dict[str, Any] | None:
    """The diff record made for the prompt's change, or None when it asks for none or it cannot be made."""
    asked = requested(prompt)
    project = twin.collection(tenant, PROJECTS.collection).get(project_id) if asked else None
    if asked is None or project is None:
        return None
    old, new, path = asked
    ws = Workspace.of(twin, tenant, project)
    try:
        text, _ = ws.read(path)
        if old not in text:
            return None
        changed = text.replace(old, new)
        patch = "".join(difflib.unified_diff(text.splitlines(keepends=True), changed.splitlines(keepends=True),
                                             fromfile=f"a/{path}", tofile=f"b/{path}"))
        files = diffs.parse(ws, patch)
    except ApiError:
        return None
    diff = {"id": new_id(DIFFS.prefix), "project_id": project_id, "title": f"Replace {old!r} with {new!r} in {path}",
            "status": "open", "stats": diffs.stats(files), "files": files, "base_rev": repo.resolve(ws, "HEAD") or "HEAD",
            "created_at": iso(twin.clock.now()), "_patch": patch, "_comments": []}
    DIFFS.put(twin.collection(tenant, DIFFS.collection), diff)
    return diff
