"""Operation overrides, one module per document tag, merged into one table keyed by operationId.

``merge_handlers`` refuses an operationId claimed twice; the runtime refuses,
at start, a key that is no operationId of the document.
"""

from __future__ import annotations

from twinstack.engine.pack import Handler, merge_handlers

from . import notes

HANDLERS: dict[str, Handler] = merge_handlers(notes.HANDLERS)
