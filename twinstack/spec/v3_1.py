"""OpenAPI 3.1: already JSON Schema 2020-12; only 3.0 leftovers are dealt with.

A 3.1 document that still says ``nullable: true`` (WAYSCloud does, 173 times)
means nothing to a 3.1 validator, and Schemathesis validates responses with 3.1
semantics, so the keyword is dropped and the twin simply never sends ``null``
where the 3.1 schema does not allow it.
"""

from __future__ import annotations

from typing import Any

from twinstack.spec.dialect import fix_boolean_exclusive, walk_children


class OpenAPI31:
    version = "3.1"

    def convert(self, schema: Any, defects: list[str], pointer: str) -> Any:
        if not isinstance(schema, dict):
            return schema
        out = walk_children(schema, self.convert, defects, pointer)
        if fix_boolean_exclusive(out):
            defects.append(f"{pointer}: boolean exclusiveMinimum/Maximum (a 3.0 form) read as a 2020-12 bound")
        out.pop("nullable", None)
        return out
