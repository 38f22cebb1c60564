"""Contacts and groups of a WAYSCloud account: stored records, memberships and tag rows.

A contact is one record; its tags are also rows of their own (``tag`` ->
contact) so a ``tags`` filter is an indexed look-up, and each group
membership is a row keyed ``<group>:<contact>`` indexed on both sides. A
group's ``member_count`` is counted from those rows on every read, never
stored. SMS (recipients from ``to_contacts`` / ``to_groups``) reads contacts
and members through ``contact``, ``group`` and ``member_ids`` here.
"""

from __future__ import annotations

from typing import Any

from twinstack.engine.context import RequestContext
from twinstack.engine.state import Collection
from twinstack.errors import NotFound

CONTACTS = "contacts/contacts"
GROUPS = "contacts/groups"
MEMBERS = "contacts/memberships"
"""``<group id>:<contact id>`` -> ``{group_id, contact_id}``."""
TAGS = "contacts/tags"
"""``<tag>\\n<contact id>`` -> ``{tag, contact_id, type}``: the contacts carrying a tag."""

INDEXES: dict[str, tuple[str, ...]] = {
    CONTACTS: ("type",),
    MEMBERS: ("group_id", "contact_id"),
    TAGS: ("tag", "contact_id"),
}

FIELDS = ("type", "name", "company_name", "phone_number", "email", "tags", "notes")
"""What a client may set on a contact (``ContactCreate``)."""
ERASED_NAME = "Deleted contact"
"""The name an anonymised (GDPR-deleted) contact keeps."""


def contacts(ctx: RequestContext) -> Collection:
    return ctx.collection(CONTACTS)


def contact(ctx: RequestContext, contact_id: str) -> dict[str, Any]:
    found = contacts(ctx).get(contact_id)
    if found is None:
        raise NotFound(f"Contact {contact_id} not found", field="contact_id")
    return found


def group(ctx: RequestContext, group_id: str) -> dict[str, Any]:
    found = ctx.collection(GROUPS).get(group_id)
    if found is None:
        raise NotFound(f"Group {group_id} not found", field="group_id")
    return found


def member_count(ctx: RequestContext, group_id: str) -> int:
    return ctx.collection(MEMBERS).count(group_id=group_id)


def member_ids(ctx: RequestContext, group_id: str) -> list[str]:
    """The group's contacts in the order they joined."""
    return [str(m["contact_id"]) for m in ctx.collection(MEMBERS).find({"group_id": group_id}).items]


def group_view(ctx: RequestContext, record: dict[str, Any]) -> dict[str, Any]:
    return {**record, "member_count": member_count(ctx, str(record["id"]))}


def set_tags(ctx: RequestContext, contact_id: str, old: list[str], new: list[str], kind: str) -> None:
    """Bring the contact's tag rows from ``old`` to ``new`` (the contact's ``type`` is copied for filtering)."""
    rows = ctx.collection(TAGS)
    for tag in set(old) - set(new):
        rows.delete(_tag_key(tag, contact_id))
    for tag in dict.fromkeys(new):
        rows.put(_tag_key(tag, contact_id), {"tag": tag, "contact_id": contact_id, "type": kind})


def ids_tagged(ctx: RequestContext, tags: list[str]) -> list[str]:
    """Contacts carrying any of ``tags``, oldest tagging first, each once."""
    rows = ctx.collection(TAGS).find({"tag": tags}).items
    return list(dict.fromkeys(str(r["contact_id"]) for r in rows))


def forget_memberships(ctx: RequestContext, *, contact_id: str | None = None, group_id: str | None = None) -> None:
    members = ctx.collection(MEMBERS)
    where = {"contact_id": contact_id} if contact_id is not None else {"group_id": group_id}
    for row in members.find(where).items:
        members.delete(membership_key(str(row["group_id"]), str(row["contact_id"])))


def membership_key(group_id: str, contact_id: str) -> str:
    return f"{group_id}:{contact_id}"


def _tag_key(tag: str, contact_id: str) -> str:
    return f"{tag}\n{contact_id}"
