"""Contacts (PAT, ``contacts:read`` / ``contacts:write``): contacts, groups, memberships.

PATCH changes only the fields it carries (the served document drops the
``required: [name]`` its shared ``ContactCreate`` schema puts on it). Delete
removes the contact with its memberships (404 after); GDPR delete keeps an
anonymised record. A group's ``member_count`` is counted from its membership
rows; deleting a group keeps its contacts.
"""

from __future__ import annotations

import uuid
from typing import Any

from twinstack.engine.context import Reply, RequestContext
from twinstack.engine.pack import Handler
from twinstack.errors import NotFound
from twinstack.packs.wayscloud import contacts as book
from twinstack.packs.wayscloud.paging import reachable

_NO_CONTENT = Reply(None, status=204)


def _public(record: dict[str, Any]) -> dict[str, Any]:
    return {k: v for k, v in record.items() if not k.startswith("_")}


async def list_contacts(ctx: RequestContext) -> Any:
    page = max(int(ctx.query.get("page") or 1), 1)
    per_page = min(max(int(ctx.query.get("per_page") or 50), 1), 100)
    kind = ctx.query.get("type")
    tags = [t.strip() for t in str(ctx.query.get("tags") or "").split(",") if t.strip()]
    search = str(ctx.query.get("search") or "").strip().lower()
    where = {"type": kind} if kind else {}
    if not tags and not search:
        total = book.contacts(ctx).count(**where)
        items = book.contacts(ctx).find(where, limit=per_page, offset=reachable((page - 1) * per_page)).items
    else:
        # Free-text search reads the rows the indexed filters (tags, type) leave, and only those.
        if tags:
            ids = book.ids_tagged(ctx, tags)
            found = book.contacts(ctx).get_many(ids)
            rows = [found[i] for i in ids if i in found and (not kind or found[i].get("type") == kind)]
        else:
            rows = book.contacts(ctx).find(where).items
        if search:
            rows = [r for r in rows if any(search in str(r.get(f) or "").lower()
                                           for f in ("name", "email", "phone_number"))]
        total = len(rows)
        items = rows[(page - 1) * per_page: page * per_page]
    return {"contacts": [_public(r) for r in items], "total": total, "page": page, "per_page": per_page}


async def create_contact(ctx: RequestContext) -> Any:
    body = ctx.body or {}
    cid = str(uuid.uuid4())
    stamp = ctx.clock.iso()
    record: dict[str, Any] = {"id": cid, "type": "person", "tags": []}
    record.update({f: body[f] for f in book.FIELDS if body.get(f) is not None})
    record.update({"created_at": stamp, "updated_at": stamp})
    book.contacts(ctx).put(cid, record)
    book.set_tags(ctx, cid, [], list(record["tags"]), str(record["type"]))
    return Reply(_public(record), status=201)


async def get_contact(ctx: RequestContext) -> Any:
    return _public(book.contact(ctx, str(ctx.path["contact_id"])))


async def update_contact(ctx: RequestContext) -> Any:
    cid = str(ctx.path["contact_id"])
    record = book.contact(ctx, cid)
    old_tags = list(record.get("tags") or [])
    for name, value in (ctx.body or {}).items():
        if name not in book.FIELDS:
            continue
        if value is None and name not in ("type", "name", "tags"):
            record.pop(name, None)
        elif value is not None:
            record[name] = value
    record["updated_at"] = ctx.clock.iso()
    book.contacts(ctx).put(cid, record)
    book.set_tags(ctx, cid, old_tags, list(record.get("tags") or []), str(record.get("type")))
    return _public(record)


async def delete_contact(ctx: RequestContext) -> Any:
    cid = str(ctx.path["contact_id"])
    record = book.contact(ctx, cid)
    book.set_tags(ctx, cid, list(record.get("tags") or []), [], str(record.get("type")))
    book.forget_memberships(ctx, contact_id=cid)
    book.contacts(ctx).delete(cid)
    return _NO_CONTENT


async def gdpr_delete_contact(ctx: RequestContext) -> Any:
    cid = str(ctx.path["contact_id"])
    record = book.contact(ctx, cid)
    book.set_tags(ctx, cid, list(record.get("tags") or []), [], str(record.get("type")))
    book.forget_memberships(ctx, contact_id=cid)
    stamp = ctx.clock.iso()
    erased = {"id": cid, "type": record.get("type", "person"), "name": book.ERASED_NAME, "tags": [],
              "created_at": record["created_at"], "updated_at": stamp,
              "_gdpr": {"reason": str((ctx.body or {}).get("reason", "")), "at": stamp}}
    book.contacts(ctx).put(cid, erased)
    return Reply(None, status=200)


async def list_contact_groups(ctx: RequestContext) -> Any:
    return {"groups": [book.group_view(ctx, _public(g)) for g in ctx.collection(book.GROUPS).find().items]}


async def create_contact_group(ctx: RequestContext) -> Any:
    body = ctx.body or {}
    gid = str(uuid.uuid4())
    record: dict[str, Any] = {"id": gid, "name": body["name"], "created_at": ctx.clock.iso()}
    if body.get("description") is not None:
        record["description"] = body["description"]
    ctx.collection(book.GROUPS).put(gid, record)
    return Reply({**record, "member_count": 0}, status=201)


async def get_contact_group(ctx: RequestContext) -> Any:
    return book.group_view(ctx, _public(book.group(ctx, str(ctx.path["group_id"]))))


async def update_contact_group(ctx: RequestContext) -> Any:
    gid = str(ctx.path["group_id"])
    record = book.group(ctx, gid)
    for name in ("name", "description"):
        if name in (ctx.body or {}) and ctx.body[name] is not None:
            record[name] = ctx.body[name]
    ctx.collection(book.GROUPS).put(gid, record)
    return book.group_view(ctx, _public(record))


async def delete_contact_group(ctx: RequestContext) -> Any:
    gid = str(ctx.path["group_id"])
    book.group(ctx, gid)
    book.forget_memberships(ctx, group_id=gid)
    ctx.collection(book.GROUPS).delete(gid)
    return _NO_CONTENT


async def list_group_members(ctx: RequestContext) -> Any:
    gid = str(ctx.path["group_id"])
    book.group(ctx, gid)
    ids = book.member_ids(ctx, gid)
    found = book.contacts(ctx).get_many(ids)
    return {"members": [_public(found[i]) for i in ids if i in found]}


async def add_group_members(ctx: RequestContext) -> Any:
    gid = str(ctx.path["group_id"])
    book.group(ctx, gid)
    wanted = list(dict.fromkeys(str(i) for i in (ctx.body or {}).get("contact_ids") or []))
    known = book.contacts(ctx).get_many(wanted)
    members = ctx.collection(book.MEMBERS)
    added = 0
    for cid in wanted:
        # Unknown contacts are skipped; an existing membership is not counted again.
        if cid in known and members.insert(book.membership_key(gid, cid), {"group_id": gid, "contact_id": cid}):
            added += 1
    return {"added": added}


async def remove_group_member(ctx: RequestContext) -> Any:
    gid, cid = str(ctx.path["group_id"]), str(ctx.path["contact_id"])
    if ctx.collection(book.GROUPS).get(gid) is None or not ctx.collection(book.MEMBERS).delete(
            book.membership_key(gid, cid)):
        raise NotFound("Group or contact not found", field="contact_id",
                       details={"detail": "Group or contact not found"})
    return _NO_CONTENT


def patch_document(doc: dict[str, Any]) -> None:
    """PATCH of a contact is partial ("only provided fields"): its body schema requires nothing."""
    patch = doc["paths"]["/v1/contacts/{contact_id}"]["patch"]["requestBody"]["content"]["application/json"]
    create = doc["components"]["schemas"]["ContactCreate"]
    patch["schema"] = {k: v for k, v in create.items() if k not in ("required", "example")}


HANDLERS: dict[str, Handler] = {
    "listContacts": list_contacts,
    "createContact": create_contact,
    "getContact": get_contact,
    "updateContact": update_contact,
    "deleteContact": delete_contact,
    "gdprDeleteContact": gdpr_delete_contact,
    "listContactGroups": list_contact_groups,
    "createContactGroup": create_contact_group,
    "getContactGroup": get_contact_group,
    "updateContactGroup": update_contact_group,
    "deleteContactGroup": delete_contact_group,
    "listGroupMembers": list_group_members,
    "addGroupMembers": add_group_members,
    "removeGroupMember": remove_group_member,
}

INDEXES = book.INDEXES
"""What these handlers look resources up by."""

DOCUMENT_PATCHES = (patch_document,)
