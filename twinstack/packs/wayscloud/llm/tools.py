"""Tool calls in OpenAI's shape: which offered function fits the request, and its arguments.

A tool is called when ``tool_choice`` names it or is ``required``, or (``auto``) when words of the
request meet words of the tool's name and description. Arguments are read from the request by the
parameters' JSON Schema: a quoted phrase or a capitalised name for strings, the first number for
numbers, an enum value the request mentions. The call id is derived from the conversation, so a
repeated request gets the same call.
"""

from __future__ import annotations

import json
import re
from dataclasses import dataclass
from typing import Any


@dataclass(frozen=True, slots=True)
class ToolCall:
    id: str
    name: str
    arguments: str
    """JSON text, as OpenAI sends it."""

    def openai(self) -> dict[str, Any]:
        return {"id": self.id, "type": "function", "function": {"name": self.name, "arguments": self.arguments}}


_WORD = re.compile(r"[a-z]{3,}")
_STOP = {"the", "and", "for", "with", "what", "get", "set", "this", "that", "from", "your", "you", "are", "how",
         "please", "can", "tell", "about", "give"}


def choose_tool(tools: list[dict[str, Any]], choice: Any, request: str, digest: str) -> ToolCall | None:
    functions = [t["function"] for t in tools if isinstance(t, dict) and isinstance(t.get("function"), dict)
                 and isinstance(t["function"].get("name"), str)]
    if not functions or choice == "none":
        return None
    chosen: dict[str, Any] | None = None
    if isinstance(choice, dict):
        wanted = (choice.get("function") or {}).get("name")
        chosen = next((f for f in functions if f["name"] == wanted), None)
    if chosen is None:
        asked = _words(request)
        scored = sorted(((len(asked & _words(f"{f['name']} {f.get('description', '')}")), i)
                         for i, f in enumerate(functions)), key=lambda s: (-s[0], s[1]))
        best_score, best = scored[0]
        if best_score == 0 and choice != "required":
            return None
        chosen = functions[best]
    arguments = _arguments(chosen.get("parameters") or {}, request)
    return ToolCall(f"call_{digest[:24]}", chosen["name"], json.dumps(arguments, ensure_ascii=False))


def _words(text: str) -> set[str]:
    found = set(_WORD.findall(re.sub(r"([a-z])([A-Z])", r"\1 \2", text).replace("_", " ").lower()))
    return {w.rstrip("s") for w in found - _STOP}


def _arguments(schema: dict[str, Any], request: str) -> dict[str, Any]:
    props = schema.get("properties") if isinstance(schema, dict) else None
    if not isinstance(props, dict):
        return {}
    required = [p for p in schema.get("required") or [] if p in props]
    out: dict[str, Any] = {}
    for name in [*required, *(p for p in props if p not in required)]:
        value = _value(props[name] if isinstance(props[name], dict) else {}, request)
        if value is not None:
            out[name] = value
        elif name in required:
            out[name] = ""
    return out


def _value(prop: dict[str, Any], request: str) -> Any:
    if isinstance(prop.get("enum"), list) and prop["enum"]:
        lowered = request.lower()
        return next((v for v in prop["enum"] if str(v).lower() in lowered), prop["enum"][0])
    kind = prop.get("type")
    if kind in ("number", "integer"):
        found = re.search(r"-?\d+(?:\.\d+)?", request)
        if found is None:
            return None
        return int(float(found.group())) if kind == "integer" else float(found.group())
    if kind == "boolean":
        return bool(re.search(r"\b(yes|true|enable|on)\b", request.lower()))
    if kind in ("string", None):
        quoted = re.search(r"[\"“']([^\"”']+)[\"”']", request)
        if quoted:
            return quoted.group(1)
        names = re.findall(r"(?<![.!?]\s)(?<!^)\b([A-Z][\w-]+(?:\s+[A-Z][\w-]+)*)", request.strip())
        if names:
            return str(names[-1])
        return request.strip()[:200] or None
    return None
