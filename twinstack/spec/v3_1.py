"""OpenAPI 3.1: already JSON Schema 2020-12; only 3.0 leftovers are dealt with.

A 3.1 document that still says ``nullable: true`` (WAYSCloud does, 173 times)
means what its authors meant by it: null is allowed. Clients (and Schemathesis)
read it that way and send ``null`` there, so it is honoured as in 3.0.
"""

from __future__ import annotations

from typing import Any

from twinstack.spec.dialect import fix_boolean_exclusive, integer_bounds, walk_children
from twinstack.spec.v3_0 import make_nullable


class OpenAPI31:
    version = "3.1"

    def convert(self, schema: Any, defects: list[str], pointer: str) -> Any:
        if not isinstance(schema, dict):
            return schema
        out = walk_children(schema, self.convert, defects, pointer)
        if fix_boolean_exclusive(out):
            defects.append(f"{pointer}: boolean exclusiveMinimum/Maximum (a 3.0 form) read as a 2020-12 bound")
        integer_bounds(out)
        if out.pop("nullable", False) is True:
            return make_nullable(out)
        return out
