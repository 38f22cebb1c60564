"""SMS sender profiles: who a message says it is from.

Every tenant has a ``default`` profile from the start (sender ``WAYSCloud``,
approved; made on first use under an id derived from the tenant), so sending
works at once and the last profile cannot be deleted (409). A ``sender_id`` is
a phone number (digits, optionally ``+``, at most 15) or an alphanumeric name
of at most 11 characters starting with a letter, without Æ/Ø/Å. A custom
alphanumeric sender needs ``brand_confirmation`` and starts ``pending``; the
twin approves it ``APPROVAL_SECONDS`` (twin time, scaled by ``--speed``) after
creation, read from its timestamp. Names are unique per tenant (409). Exactly
one profile is the default: a new default takes the flag from the old one.
"""

from __future__ import annotations

import re
import uuid
from typing import Any

from twinstack.engine.state import Collection
from twinstack.errors import Conflict, NotFound, TwinError

COLLECTION = "sms/sender-profiles"
INDEXES: dict[str, tuple[str, ...]] = {COLLECTION: ("name", "is_default", "sender_id")}
DEFAULT_SENDER = "WAYSCloud"
APPROVAL_SECONDS = 3600.0
"""How long a custom sender waits for approval at ``--speed realistic``."""
CUSTOM_PRICE = 99.0
"""Monthly price of a custom alphanumeric sender (the document's example)."""
_PHONE = re.compile(r"\+?[0-9]{3,15}")
_ALPHANUMERIC = re.compile(r"[A-Za-z][A-Za-z0-9 ._-]{0,10}")
_NAMESPACE = uuid.UUID("6f1b9a52-4d0c-4c8e-9a51-2f3c7de0a001")


def default_id(tenant: str) -> str:
    return str(uuid.uuid5(_NAMESPACE, tenant))


def ensure_default(profiles: Collection, tenant: str, stamp: str) -> None:
    """The tenant's first profile, made once (an insert only one caller wins)."""
    pid = default_id(tenant)
    if profiles.get(pid) is None and profiles.find_one(is_default=True) is None:
        profiles.insert(pid, {"id": pid, "name": "default", "sender_id": DEFAULT_SENDER, "is_default": True,
                              "allow_reply": True, "is_custom_sender": False, "approval_status": "approved",
                              "created_at": stamp, "_approve_at": 0.0})


def view(profile: dict[str, Any], now: float) -> dict[str, Any]:
    shown = {k: v for k, v in profile.items() if not k.startswith("_") and v is not None}
    if shown.get("approval_status") == "pending" and now >= float(profile.get("_approve_at", 0.0)):
        shown["approval_status"] = "approved"
    return shown


def approved(profile: dict[str, Any], now: float) -> bool:
    return bool(view(profile, now)["approval_status"] == "approved")


def _invalid(detail: str) -> TwinError:
    return TwinError(detail, status=400, field="body.sender_id", details={"detail": detail})


def create(profiles: Collection, body: dict[str, Any], now: float, factor: float, stamp: str) -> dict[str, Any]:
    sender = str(body.get("sender_id", "")).strip()
    phone = bool(_PHONE.fullmatch(sender))
    if not phone and (not _ALPHANUMERIC.fullmatch(sender) or re.search("[ÆØÅæøå]", sender)):
        raise _invalid("Invalid sender ID. Alphanumeric max 11 chars, must start with letter.")
    custom = not phone
    if custom and not body.get("brand_confirmation"):
        raise _invalid("body.brand_confirmation: Custom sender IDs require brand_confirmation")
    name = str(body["name"])
    if profiles.find_one(name=name) is not None:
        raise Conflict("Profile name exists", field="body.name",
                       details={"detail": "A sender profile with this name already exists"})
    pid = str(uuid.uuid4())
    record: dict[str, Any] = {
        "id": pid, "name": name, "sender_id": sender, "is_default": bool(body.get("is_default", False)),
        "allow_reply": bool(body.get("allow_reply", True)), "is_custom_sender": custom,
        "approval_status": "pending" if custom else "approved", "created_at": stamp,
        "_approve_at": now + APPROVAL_SECONDS * factor if custom else 0.0,
    }
    if custom:
        record["monthly_price"] = CUSTOM_PRICE
    if record["is_default"]:
        for old in profiles.find({"is_default": True}, limit=10).items:
            profiles.put(str(old["id"]), {**old, "is_default": False})
    profiles.put(pid, record)
    return record


def delete(profiles: Collection, profile_id: str) -> None:
    profile = profiles.get(profile_id)
    if profile is None:
        raise NotFound("Sender profile not found", details={"detail": "Sender profile not found"})
    if profiles.count() <= 1:
        raise Conflict("Only profile", details={"detail": "Cannot delete: this is your only sender profile"})
    profiles.delete(profile_id)
    if profile.get("is_default"):
        # Another profile takes the flag, so there is always a default to send from.
        heir = profiles.find(limit=1).items
        if heir:
            profiles.put(str(heir[0]["id"]), {**heir[0], "is_default": True})


def resolve(profiles: Collection, wanted: str | None) -> dict[str, Any]:
    """The profile a send names (by id, or by its ``sender_id`` as the SDK passes it), else the default."""
    if not wanted:
        found = profiles.find_one(is_default=True)
        if found is None:
            found = next(iter(profiles.find(limit=1).items), None)
    else:
        found = profiles.get(wanted) if _is_uuid(wanted) else None
        found = found or profiles.find_one(sender_id=wanted) or profiles.find_one(name=wanted)
    if found is None:
        raise TwinError("Sender profile not found", status=400, field="body.sender_profile_id",
                        details={"detail": "body.sender_profile_id: Sender profile not found"})
    return found


def _is_uuid(text: str) -> bool:
    try:
        uuid.UUID(text)
    except ValueError:
        return False
    return True
