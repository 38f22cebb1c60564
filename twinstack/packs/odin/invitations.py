"""Gathering invitations: per participant or per e-mail address, and the e-mails they send.

Every invitation is a record (``pending`` until accepted, declined, or past
its ``expiresAt``) and one ``gathering.invitation.sent`` event. An invitation
by address is an e-mail in the outbox (channel ``email``), with the
organiser's address as Reply-To; for an appointment with a start it carries a
real RFC 5545 calendar invitation (``invite.ics``: DTSTART/DTEND, ORGANIZER
with the inviter's name, a UID per gathering, and a notice when the meeting
will be transcribed). Cancelling a gathering e-mails its invitees, with a
calendar cancellation for appointments. An address that is not one is left
out and never fails the call.
"""

from __future__ import annotations

import re
import uuid
from datetime import datetime, timezone
from typing import Any


from twinstack import outbox
from twinstack.engine.state import Collection
from twinstack.engine.twin import Twin
from twinstack.packs.odin.events import emit_for
from twinstack.packs.odin.participants import is_uuid

INVITATIONS = "gathering-invitations"
INDEXES: dict[str, tuple[str, ...]] = {INVITATIONS: ("gatheringId", "participantId", "status")}
SENDER = "no-reply@odin.4players.io"
LIFETIME = 7 * 24 * 3600.0
"""An invitation to a gathering without an end stays open a week (a twin choice)."""
DEFAULT_JOIN_BASE = "https://ots.odin.4players.io"
"""Where join links point when neither the request nor the gathering names a place (a twin choice)."""
MEETING_LENGTH = 3600.0
"""An appointment with a start but no end is put in calendars as one hour long."""
RECORDING_NOTICE = "This meeting will be transcribed by ODIN Cortex."
_ADDRESS = re.compile(r"^[^@\s]+@[^@\s]+\.[^@\s]+$")


def invitations(twin: Twin, tenant: str) -> Collection:
    return twin.collection(tenant, INVITATIONS)


def is_address(text: str) -> bool:
    return bool(_ADDRESS.match(text))


def status_of(record: dict[str, Any], now: float) -> str:
    if record["status"] == "pending" and float(record["_expiresAt"]) <= now:
        return "expired"
    return str(record["status"])


def view(record: dict[str, Any], now: float) -> dict[str, Any]:
    out = {k: v for k, v in record.items() if not k.startswith("_")}
    out["status"] = status_of(record, now)
    return out


def get(twin: Twin, tenant: str, project_id: str, invitation_id: str) -> dict[str, Any] | None:
    found = invitations(twin, tenant).get(invitation_id) if is_uuid(invitation_id) else None
    return found if found is not None and found.get("_projectId") == project_id else None


def join_url(gathering: dict[str, Any], base_url: str | None, custom_protocol: str | None) -> str:
    code = str(gathering["joinCode"])
    if custom_protocol:
        return f"{custom_protocol}join/{code}"
    if base_url:
        return f"{base_url.rstrip('/')}/join/{code}"
    if gathering.get("_invitationUrl"):
        return str(gathering["_invitationUrl"])
    return f"{DEFAULT_JOIN_BASE}/join/{code}"


def invite(
    twin: Twin, tenant: str, gathering: dict[str, Any], *, url: str, invited_by: str | None,
    participant: dict[str, Any] | None = None, email: str | None = None, name: str | None = None,
) -> dict[str, Any]:
    """Record one invitation (to a participant or an address), e-mail it when by address, emit it."""
    now = twin.clock.now()
    ends = gathering.get("_endsAt")
    expires = float(ends) if ends is not None else now + LIFETIME
    record: dict[str, Any] = {"id": str(uuid.uuid4()), "gatheringId": gathering["id"]}
    if participant is not None:
        record["participantId"] = participant["id"]
        record["displayName"] = participant.get("displayName", "")
    if email is not None:
        record["email"] = email
        record.setdefault("displayName", name or email.split("@", 1)[0])
    if invited_by is not None:
        record["invitedById"] = invited_by
    record.update(status="pending", joinUrl=url, joinCode=gathering["joinCode"],
                  invitedAt=twin.clock.iso(now, millis=True), expiresAt=twin.clock.iso(expires, millis=True),
                  _projectId=gathering["projectId"], _expiresAt=expires)
    with twin.store.transaction():
        invitations(twin, tenant).put(record["id"], record)
        if email is not None:
            _send_invitation(twin, tenant, gathering, record)
        emit_for(twin, tenant, "gathering.invitation.sent", view(record, now), project_id=str(gathering["projectId"]),
                 resource_id=f"gathering:{gathering['id']}")
    return record


def respond(twin: Twin, tenant: str, record: dict[str, Any], status: str, participant_id: str | None) -> dict[str, Any]:
    """Mark the invitation ``accepted`` or ``declined`` and emit it."""
    now = twin.clock.now()
    updated = {**record, "status": status, "respondedAt": twin.clock.iso(now, millis=True)}
    if participant_id is not None:
        updated["participantId"] = participant_id
    data: dict[str, Any] = {"invitationId": record["id"], "gatheringId": record["gatheringId"]}
    if status == "accepted":
        data["participantId"] = participant_id
    with twin.store.transaction():
        invitations(twin, tenant).put(str(record["id"]), updated)
        emit_for(twin, tenant, f"gathering.invitation.{status}", data, project_id=str(record["_projectId"]),
                 resource_id=f"gathering:{record['gatheringId']}")
    return updated


def of_gathering(twin: Twin, tenant: str, gathering_id: str) -> list[dict[str, Any]]:
    # The operation lists every invitation of the gathering (no paging): the read is the answer.
    return invitations(twin, tenant).find({"gatheringId": gathering_id}).items


def notify_cancelled(twin: Twin, tenant: str, gathering: dict[str, Any]) -> None:
    """E-mail every invitee by address that the gathering will not take place."""
    now = twin.clock.now()
    for record in of_gathering(twin, tenant, str(gathering["id"])):
        if record.get("email") and status_of(record, now) in ("pending", "accepted"):
            _send(twin, tenant, gathering, record, f"Cancelled: {gathering['name']}",
                  f"{gathering['name']} has been cancelled.", cancel=True)


def _send_invitation(twin: Twin, tenant: str, gathering: dict[str, Any], record: dict[str, Any]) -> None:
    lines = [f"You are invited to {gathering['name']}."]
    if gathering.get("inviterName"):
        lines.append(f"Invited by {gathering['inviterName']}.")
    if gathering.get("description"):
        lines.append(str(gathering["description"]))
    if gathering.get("startsAt"):
        lines.append(f"Starts: {gathering['startsAt']}")
    lines += [f"Join: {record['joinUrl']}", f"Join code: {record['joinCode']}"]
    if gathering.get("autoStartSession"):
        lines.append(RECORDING_NOTICE)
    _send(twin, tenant, gathering, record, f"Invitation: {gathering['name']}", "\n".join(lines), cancel=False)


def _send(twin: Twin, tenant: str, gathering: dict[str, Any], record: dict[str, Any], subject: str, body: str, *,
          cancel: bool) -> None:
    metadata: dict[str, Any] = {"gatheringId": gathering["id"], "invitationId": record["id"],
                                "joinUrl": record["joinUrl"], "joinCode": record["joinCode"]}
    if gathering.get("inviterEmail"):
        metadata["replyTo"] = gathering["inviterEmail"]
    if gathering["type"] == "appointment" and gathering.get("_startsAt") is not None:
        method = "CANCEL" if cancel else "REQUEST"
        metadata["attachments"] = [{"filename": "invite.ics", "contentType": f"text/calendar; method={method}",
                                    "content": calendar_invitation(twin, gathering, record, method)}]
    outbox.send(twin.store, twin.clock, service=twin.slug, tenant=tenant, channel="email",
                recipient=str(record["email"]), sender=SENDER, subject=subject, body=body, metadata=metadata)


def _utc(at: float) -> datetime:
    return datetime.fromtimestamp(at, timezone.utc)


def calendar_invitation(twin: Twin, gathering: dict[str, Any], record: dict[str, Any], method: str) -> str:
    """The RFC 5545 text of the gathering's calendar entry, as one invitee gets it."""
    # Imported here: only invitations by e-mail need it, and it costs start-up time.
    from icalendar import Calendar, Event, vCalAddress, vText

    start = float(gathering["_startsAt"])
    end = float(gathering["_endsAt"]) if gathering.get("_endsAt") is not None else start + MEETING_LENGTH
    calendar = Calendar()
    calendar.add("prodid", "-//4Players//ODIN Cortex//EN")
    calendar.add("version", "2.0")
    calendar.add("method", method)
    event = Event()
    event.add("uid", f"{gathering['id']}@odin.4players.io")
    event.add("dtstamp", _utc(twin.clock.now()))
    event.add("dtstart", _utc(start))
    event.add("dtend", _utc(end))
    event.add("summary", str(gathering["name"]))
    details = [str(gathering.get("description") or ""), f"Join: {record['joinUrl']}"]
    if gathering.get("autoStartSession"):
        details.append(RECORDING_NOTICE)
    event.add("description", "\n".join(d for d in details if d))
    event.add("location", str(gathering.get("_invitationUrl") or record["joinUrl"]))
    event.add("status", "CANCELLED" if method == "CANCEL" else "CONFIRMED")
    event.add("sequence", 1 if method == "CANCEL" else 0)
    if gathering.get("inviterEmail"):
        organizer = vCalAddress(f"mailto:{gathering['inviterEmail']}")
        if gathering.get("inviterName"):
            organizer.params["cn"] = vText(str(gathering["inviterName"]))
        event.add("organizer", organizer)
    attendee = vCalAddress(f"mailto:{record['email']}")
    attendee.params["cn"] = vText(str(record.get("displayName") or record["email"]))
    attendee.params["role"] = vText("REQ-PARTICIPANT")
    attendee.params["rsvp"] = vText("TRUE")
    event.add("attendee", attendee)
    calendar.add_component(event)
    text: bytes = calendar.to_ical()
    return text.decode()
