"""The deterministic built-in responder: the same conversation always gets the same answer.

It answers simple questions from ``knowledge`` (capitals, a few topics, arithmetic), greets, repeats
what it is asked to say, moderates with Llama Guard's verdict format, calls a tool when the request
offers tools that fit, and answers in JSON when asked to. Anything else gets an honest, stable
"I cannot answer that" naming what was asked.
"""

from __future__ import annotations

import ast
import hashlib
import json
import operator
import re
from dataclasses import dataclass, field
from typing import Any

from twinstack.packs.wayscloud.llm import tokens
from twinstack.packs.wayscloud.llm.catalogue import Model
from twinstack.packs.wayscloud.llm.knowledge import CAPITALS, FACTS, UNSAFE
from twinstack.packs.wayscloud.llm.tools import ToolCall, choose_tool


@dataclass(slots=True)
class Answer:
    content: str | None
    tool_calls: list[ToolCall] = field(default_factory=list)
    reasoning: dict[str, Any] | None = None


def respond(model: Model, messages: list[dict[str, Any]], tools: list[dict[str, Any]] | None = None,
            tool_choice: Any = None, json_mode: bool = False) -> Answer:
    question = _last(messages, "user")
    system = _last(messages, "system")
    if model.kind == "moderation":
        return Answer(_moderate(question))
    tool_results = [tokens.text_of(m.get("content")) for m in messages if m.get("role") == "tool"]
    if tools and not tool_results:
        call = choose_tool(tools, tool_choice, question, _digest(messages))
        if call is not None:
            return Answer(None, [call])
    text = _from_tool(tool_results[-1]) if tool_results else _answer(question, model)
    if json_mode or "json" in system.lower():
        text = json.dumps({"answer": text}, ensure_ascii=False)
    reasoning = _reasoning(question, text) if model.kind == "reasoning" else None
    return Answer(text, reasoning=reasoning)


def _last(messages: list[dict[str, Any]], role: str) -> str:
    for message in reversed(messages):
        if message.get("role") == role:
            return tokens.text_of(message.get("content")).strip()
    return ""


def _digest(messages: list[dict[str, Any]]) -> str:
    return hashlib.sha256(json.dumps(messages, sort_keys=True, default=str).encode()).hexdigest()


def _answer(question: str, model: Model) -> str:
    q = question.lower().strip()
    if not q:
        return "How can I help you today?"
    if re.fullmatch(r"(hi|hello|hey|good (morning|afternoon|evening))[!. ]*", q):
        return "Hello! How can I help you today?"
    said = re.match(r"(?:say|repeat|echo)\s*[:,]?\s*(.+)", question.strip(), re.IGNORECASE | re.DOTALL)
    if said:
        return said.group(1).strip().strip("\"'")
    if re.search(r"\b(who|what) are you\b|\bwhich model\b", q):
        return f"I am {model.id}, a language model served by WAYSCloud."
    for country, capital in sorted(CAPITALS.items(), key=lambda kv: -len(kv[0])):
        if "capital" in q and re.search(rf"\b{re.escape(country)}\b", q):
            return f"The capital of {_title(country)} is {capital}."
    total = _arithmetic(q)
    if total is not None:
        return f"The answer is {total}."
    topic = re.search(r"\bwhat (?:is|are) (?:an? |the )?([\w-]+)", q)
    if topic and topic.group(1) in FACTS:
        return FACTS[topic.group(1)]
    for word, fact in FACTS.items():
        if re.search(rf"\b{re.escape(word)}\b", q):
            return fact
    asked = " ".join(question.split()[:12])
    return f"I do not have information to answer \"{asked}\" reliably."


def _title(country: str) -> str:
    return country.upper() if len(country) <= 3 else " ".join(w.capitalize() for w in country.split())


_OPS: dict[type, Any] = {ast.Add: operator.add, ast.Sub: operator.sub, ast.Mult: operator.mul, ast.Div: operator.truediv}


def _arithmetic(q: str) -> str | None:
    """``what is 2 + 3 * 4`` -> ``14``: the four operations on numbers, nothing else is evaluated."""
    found = re.search(r"(-?\d+(?:\.\d+)?(?:\s*[-+*/x×]\s*-?\d+(?:\.\d+)?)+)", q)
    if not found:
        return None
    expression = found.group(1).replace("x", "*").replace("×", "*")
    try:
        value = _evaluate(ast.parse(expression, mode="eval").body)
    except (SyntaxError, ZeroDivisionError, ValueError):
        return None
    return str(int(value)) if float(value).is_integer() else f"{value:.6g}"


def _evaluate(node: ast.AST) -> float:
    if isinstance(node, ast.Constant) and isinstance(node.value, (int, float)):
        return float(node.value)
    if isinstance(node, ast.UnaryOp) and isinstance(node.op, ast.USub):
        return -_evaluate(node.operand)
    if isinstance(node, ast.BinOp) and type(node.op) in _OPS:
        return float(_OPS[type(node.op)](_evaluate(node.left), _evaluate(node.right)))
    raise ValueError("not arithmetic")


def _moderate(text: str) -> str:
    lowered = text.lower()
    for category, phrases in UNSAFE.items():
        if any(p in lowered for p in phrases):
            return f"unsafe\n{category}"
    return "safe"


def _from_tool(result: str) -> str:
    """The reply after a tool ran: its result, said plainly."""
    try:
        data = json.loads(result)
    except ValueError:
        return f"The tool returned: {result.strip()}"
    if isinstance(data, dict):
        parts = ", ".join(f"{k.replace('_', ' ')} {v}" for k, v in data.items())
        return f"Here is what I found: {parts}."
    return f"The tool returned: {json.dumps(data, ensure_ascii=False)}"


def _reasoning(question: str, answer: str) -> dict[str, Any]:
    steps = ["Parsed user intent", "Evaluated context", "Performed logical deduction", "Selected final response"]
    return {
        "summary": "Model evaluated the question against what it knows and selected the most likely answer.",
        "depth": "standard" if tokens.count(question) < 64 else "deep",
        "steps": steps,
        "tokens": 8 * len(steps) + tokens.count(question) + tokens.count(answer),
    }
