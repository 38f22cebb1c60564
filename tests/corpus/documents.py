"""The public OpenAPI documents of ``tests/data/corpus/`` (sources and licences in its ``SOURCES.md``), as targets.

Each document is served by the generic twin alone, with no pack: ``twinstack
serve --spec <file>:<slug>``. The document Schemathesis reads is the vendored
file as published, unchanged; security schemes are satisfied with the
credentials ``POST /_twinstack/tenants`` gives a ``--spec`` service
(``CONTRACT.md``): ``api_key`` for apiKey schemes, ``token`` for HTTP bearer,
OAuth2 and OpenID Connect, ``username``/``password`` for HTTP basic.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path
from typing import Any

from tests.conformance.auth_plans import AuthPlan
from tests.conformance.targets import Target
from twinstack.spec.loader import load_document

CORPUS = Path(__file__).resolve().parents[1] / "data" / "corpus"


@dataclass(frozen=True, slots=True)
class CorpusTarget(Target):
    """A corpus document as a conformance target (``seed`` is the file name under ``tests/data/corpus/``)."""

    def path(self) -> Path:
        return CORPUS / self.seed

    def spec_argument(self) -> str:
        return f"{self.path()}:{self.slug}"

    def document(self) -> dict[str, Any]:
        return load_document(self.path())

    def served_document(self) -> tuple[dict[str, Any], list[str]]:
        """The document as published: the generic twin has no pack and no document patches."""
        return self.document(), []


DOCUMENTS: dict[str, CorpusTarget] = {
    t.slug: t
    for t in (
        CorpusTarget("train-travel", "train-travel.openapi.yaml", base_path="/rest/Train+Travel+API/1.0.0"),
        CorpusTarget("petstore3", "petstore3.openapi.yaml", base_path="/api/v3"),
        CorpusTarget("museum", "museum.openapi.yaml", base_path="/_mock/docs/openapi/museum-api"),
        CorpusTarget("petstore-expanded", "petstore-expanded.openapi.json", base_path="/v2"),
        CorpusTarget("tictactoe", "tictactoe.openapi.json"),
        CorpusTarget("twilio-studio", "twilio-studio-v2.openapi.yaml"),
        CorpusTarget("resend", "resend.openapi.yaml"),
        CorpusTarget("adyen-pos", "adyen-session-v68.openapi.json", base_path="/checkout/possdk/v68"),
    )
}


def plan_corpus_auth(document: dict[str, Any], creds: dict[str, Any]) -> AuthPlan:
    """Every security scheme of ``document`` set from the tenant's credentials for a ``--spec`` service."""
    plan = AuthPlan()
    schemes = (document.get("components") or {}).get("securitySchemes") or {}
    for name, scheme in schemes.items():
        kind, http = scheme.get("type"), str(scheme.get("scheme", "")).lower()
        if kind == "apiKey" and isinstance(creds.get("api_key"), str):
            plan.static(name, "api_key", creds["api_key"])
            plan.summary.append(f"{name}: {scheme.get('in', 'header')} {scheme.get('name')} <api_key>")
        elif kind == "http" and http == "basic" and isinstance(creds.get("username"), str):
            plan.config.setdefault("auth", {}).setdefault("openapi", {})[name] = {
                "username": creds["username"], "password": creds.get("password", "")}
            plan.summary.append(f"{name}: HTTP basic <username>:<password>")
        elif (kind in ("oauth2", "openIdConnect") or (kind == "http" and http == "bearer")) \
                and isinstance(creds.get("token"), str):
            plan.static(name, "bearer", creds["token"])
            plan.summary.append(f"{name}: Authorization: Bearer <token>")
        else:
            plan.problems.append(f"scheme {name!r} ({kind} {http}): the tenant has no credential for it "
                                 f"(got {sorted(creds) or 'none'})")
    return plan
