"""Optional: questions the built-in translator cannot read, sent to an OpenAI-compatible chat endpoint.

Off unless ``TWINSTACK_POLYKOMOS_LLM_URL`` names the endpoint's base URL (the
part before ``/chat/completions``, e.g. ``http://127.0.0.1:11434/v1`` for a
local Ollama). ``TWINSTACK_POLYKOMOS_LLM_MODEL`` picks the model (default
``gpt-4o-mini``) and ``TWINSTACK_POLYKOMOS_LLM_API_KEY``, if set, is sent as a
bearer token. The model gets the introspected schema and the question and
must answer with SQL only; its answer is used only if it parses for the
database's dialect. Read at each call, so no restart is needed to turn it on.
"""

from __future__ import annotations

import os
import re
from collections.abc import Sequence

from twinstack.drivers.databases import TableInfo
from twinstack.packs.polykomos.nl_translator import NotUnderstood, Translation
from twinstack.packs.polykomos.sql_parsing import parse

URL_VARIABLE = "TWINSTACK_POLYKOMOS_LLM_URL"
MODEL_VARIABLE = "TWINSTACK_POLYKOMOS_LLM_MODEL"
KEY_VARIABLE = "TWINSTACK_POLYKOMOS_LLM_API_KEY"
DEFAULT_MODEL = "gpt-4o-mini"
TIMEOUT_SECONDS = 30.0
_FENCE = re.compile(r"^```(?:sql)?\s*|\s*```$", re.IGNORECASE)


def configured() -> bool:
    return bool(os.environ.get(URL_VARIABLE))


def _schema(tables: Sequence[TableInfo]) -> str:
    lines = [f"{t.qualified_name}({', '.join(f'{c.name} {c.type}' for c in t.columns)})" for t in tables]
    return "\n".join(lines) or "(no tables yet)"


async def translate(question: str, tables: Sequence[TableInfo], dialect: str) -> Translation:
    engine = "MySQL" if dialect == "mysql" else "PostgreSQL"
    payload = {
        "model": os.environ.get(MODEL_VARIABLE) or DEFAULT_MODEL,
        "temperature": 0,
        "messages": [
            {"role": "system", "content": f"Translate the user's request into {engine} SQL for this schema. "
                                          f"Answer with the SQL only, no explanation.\n\n{_schema(tables)}"},
            {"role": "user", "content": question},
        ],
    }
    headers = {"Authorization": f"Bearer {os.environ[KEY_VARIABLE]}"} if os.environ.get(KEY_VARIABLE) else {}
    url = os.environ[URL_VARIABLE].rstrip("/") + "/chat/completions"
    import httpx  # on first use: it costs the start about 0.1 s (only a configured model needs it)

    try:
        async with httpx.AsyncClient(timeout=TIMEOUT_SECONDS, trust_env=False) as client:
            response = await client.post(url, json=payload, headers=headers)
        response.raise_for_status()
        content = str(response.json()["choices"][0]["message"]["content"])
    except (httpx.HTTPError, KeyError, IndexError, TypeError, ValueError) as exc:
        raise NotUnderstood(f"the language model at {url} gave no usable answer ({exc})") from exc
    sql = _FENCE.sub("", content.strip()).strip().rstrip(";").strip()
    parsed = parse(sql, "mysql" if dialect == "mysql" else "postgres")
    if not sql or parsed.error is not None:
        raise NotUnderstood(f"the language model's answer is not valid {engine} SQL: {sql[:200]!r}")
    return Translation(sql, "llm")
