"""Compiled, immutable view of one OpenAPI document: what the hot path reads."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from twinstack.spec.validators import Checker, SchemaValidators

HTTP_METHODS = ("get", "put", "post", "delete", "patch", "head", "options", "trace")


@dataclass(slots=True)
class Param:
    name: str
    location: str
    """``path``, ``query``, ``header`` or ``cookie``."""
    required: bool
    schema: dict[str, Any]
    key: str
    """Name of this parameter's compiled validator."""
    style: str
    explode: bool
    kind: str
    """The JSON type values are coerced to: string, integer, number, boolean, array, object."""
    item_kind: str = "string"


@dataclass(slots=True)
class Media:
    content_type: str
    schema: dict[str, Any] | None
    key: str | None
    example: Any = None


@dataclass(slots=True)
class Response:
    status: str
    media: dict[str, Media]
    headers: dict[str, dict[str, Any]]
    description: str = ""

    def json_media(self) -> Media | None:
        for ct, media in self.media.items():
            if "json" in ct or ct == "*/*":
                return media
        return None


@dataclass(slots=True)
class Operation:
    service: str
    operation_id: str
    method: str
    path: str
    params: list[Param]
    body_required: bool
    body: dict[str, Media]
    responses: dict[str, Response]
    security: list[dict[str, list[str]]]
    """Alternatives; each maps scheme name -> scopes. Empty list means open."""
    tags: list[str] = field(default_factory=list)
    summary: str = ""
    description: str = ""
    success_statuses: list[int] = field(default_factory=list)
    """Declared 2xx statuses, ascending (computed once at compile time)."""
    path_names: list[str] = field(default_factory=list)
    """Names of the path template's parameters, in order."""
    needs_cookies: bool = False
    reads_headers: bool = False
    """A header or cookie parameter is declared: a kept answer depends on its value too."""

    def __post_init__(self) -> None:
        self.success_statuses = sorted(int(s) for s in self.responses if s.isdigit() and s.startswith("2"))
        self.path_names = [s[1:-1] for s in self.path.split("/") if s.startswith("{") and s.endswith("}")]
        self.needs_cookies = any(p.location == "cookie" for p in self.params)
        self.reads_headers = any(p.location in ("header", "cookie") for p in self.params)

    @property
    def segments(self) -> list[str]:
        return [s for s in self.path.split("/")[1:]]

    def declared(self, status: int) -> bool:
        code = str(status)
        return code in self.responses or f"{code[0]}XX" in self.responses

    def response_for(self, status: int) -> Response | None:
        code = str(status)
        # The compiler keeps status keys upper case: ``default`` is ``DEFAULT`` here.
        return self.responses.get(code) or self.responses.get(f"{code[0]}XX") or self.responses.get("DEFAULT")


@dataclass(slots=True)
class SecurityScheme:
    name: str
    type: str
    """``apiKey``, ``http`` (bearer/basic), ``oauth2``, ``openIdConnect``."""
    location: str = "header"
    param_name: str = "Authorization"
    scheme: str = "bearer"
    declared: bool = True


@dataclass(slots=True)
class ServiceSpec:
    slug: str
    source: str
    version: str
    title: str
    base_path: str
    doc: dict[str, Any]
    """The converted document (2020-12 schemas); never the seed file's bytes."""
    operations: list[Operation]
    schemes: dict[str, SecurityScheme]
    validators: SchemaValidators
    defects: list[str]

    def validator(self, key: str) -> Checker | None:
        """The compiled schema named ``key`` (``Param.key``, ``Media.key``)."""
        return self.validators.validator(key)

    def by_id(self) -> dict[str, Operation]:
        return {op.operation_id: op for op in self.operations}
