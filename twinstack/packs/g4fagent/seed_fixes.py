"""Defects of the G4FAgent seed worked around at start (the seed file stays byte-identical).

The document generator read "default `60`" in three descriptions as a query
parameter named ``default`` and declared it required on ``GET /server/stats``,
``GET /projects/{project_id}/files/tree`` and ``GET /stream/sessions/{session_id}``.
Upstream has no such parameter; the twin accepts it but never requires it.
"""

from __future__ import annotations

from typing import Any

PHANTOM_PARAMETER = "default"


def patch(doc: dict[str, Any]) -> None:
    """The ``Pack.patch_document`` hook: edits the parsed copy of the document in place."""
    for item in (doc.get("paths") or {}).values():
        for operation in item.values() if isinstance(item, dict) else ():
            if not isinstance(operation, dict):
                continue
            for param in operation.get("parameters") or []:
                if isinstance(param, dict) and param.get("name") == PHANTOM_PARAMETER and param.get("in") == "query":
                    param["required"] = False
