"""Tag ``Notes``: a note's slug, made from its title, is unique within its tenant.

Only the create is overridden; listing, reading and deleting are the generic
twin's. The uniqueness check is an indexed look-up on ``slug`` (declared in
``INDEXED``), so its cost does not grow with the number of notes.
"""

from __future__ import annotations

import re
from typing import Any

from twinstack.engine import generic
from twinstack.engine.context import RequestContext
from twinstack.engine.pack import Handler
from twinstack.errors import Conflict

COLLECTION = "/notes"
"""The engine's name for the collection (the path of the list), where the generic twin stores notes."""
INDEXED: tuple[str, ...] = ("slug",)
"""The fields this module looks notes up by."""

_NOT_WORD = re.compile(r"[^0-9a-z]+")


def slug_of(title: str) -> str:
    """``"Shopping List!"`` -> ``"shopping-list"``."""
    return _NOT_WORD.sub("-", title.casefold()).strip("-") or "note"


async def create_note(ctx: RequestContext) -> Any:
    # The document has validated the body already: ``title`` is a non-empty string.
    slug = slug_of(ctx.body["title"])
    # No await between the look-up and the generic insert, so no other request of this process interleaves.
    if ctx.collection(COLLECTION).find_one(slug=slug) is not None:
        raise Conflict(f"A note with the slug {slug} exists", field="body.title")
    ctx.body = {**ctx.body, "slug": slug}
    return await generic.handle(ctx)


HANDLERS: dict[str, Handler] = {"createNote": create_note}
