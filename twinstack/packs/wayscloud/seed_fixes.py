"""The one place the wayscloud pack changes the document it serves and the bodies the official clients send.

``patch_document`` applies, in order, every service's additions to the parsed copy of the seed (the seed
file stays as published); ``adapt_body`` passes a request body through every service's adapter, each of
which turns an official client's spelling into the document's and leaves the document's own unchanged.
Each service keeps its patches and adapters in its own module and adds one line to a list here.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from twinstack.packs.wayscloud.handlers import apps, contacts
from twinstack.packs.wayscloud.extra_paths import account, files
from twinstack.packs.wayscloud.extra_paths import apps as app_paths
from twinstack.packs.wayscloud.extra_paths import vps as vps_paths
from twinstack.spec.model import Operation

DocumentPatch = Callable[[dict[str, Any]], None]
BodyAdapter = Callable[[Operation, Any], Any]

DOCUMENT_PATCHES: tuple[DocumentPatch, ...] = (
    contacts.patch_document,
    vps_paths.patch,
    apps.patch_document,
    files.patch,
    app_paths.patch,
    account.add_dashboard_paths,
)
"""Additions to the served document, applied in this order."""

BODY_ADAPTERS: tuple[BodyAdapter, ...] = ()
"""Client-spelling adapters; each returns the body unchanged when the operation is not its own."""


def patch_document(doc: dict[str, Any]) -> None:
    for patch in DOCUMENT_PATCHES:
        patch(doc)


def adapt_body(op: Operation, body: Any) -> Any:
    for adapter in BODY_ADAPTERS:
        body = adapter(op, body)
    return body
