"""The one place the wayscloud pack changes the document it serves and the bodies the official clients send.

``patch_document`` applies every service module's ``DOCUMENT_PATCHES`` (in ``handlers/`` and
``extra_paths/``, modules in name order) to the parsed copy of the seed (the seed file stays as
published); ``adapt_body`` passes a request body through every module's ``BODY_ADAPTERS``, each of which
turns an official client's spelling into the document's and leaves the document's own unchanged. A
service keeps its patches and adapters in its own module; nothing here lists them.
"""

from __future__ import annotations

from typing import Any

from twinstack.engine.parts import Parts, collect_parts
from twinstack.spec.model import Operation

_FIXES: Parts = collect_parts("twinstack.packs.wayscloud.handlers", "twinstack.packs.wayscloud.extra_paths")


def patch_document(doc: dict[str, Any]) -> None:
    _FIXES.patch_document(doc)


def adapt_body(op: Operation, body: Any) -> Any:
    return _FIXES.adapt_body(op, body)
