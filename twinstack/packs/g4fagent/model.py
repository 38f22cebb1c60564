"""The twin's stand-in for a language model: a deterministic local responder.

No model runs. A run's answer is built from its prompt alone (the user
message's text, the agent's instructions, the mode), so the same input always
gives the same output, across restarts and workers. The answer restates the
request, names the files it mentions and picks one of a few plans by a hash
of the prompt, which makes different prompts read differently. The text is
sent as several ``token`` events (``chunks``); clients that concatenate them
get the whole answer, as with upstream's single token event.
"""

from __future__ import annotations

import hashlib
import json
import re
from typing import Any

SUMMARY_LIMIT = 2000
"""Upstream cuts ``result.summary`` at 2000 characters."""
WORDS_PER_CHUNK = 6
MAX_CHUNKS = 12
"""A long answer is sent in at most this many token events, so a run's events stay few."""

_PATH = re.compile(r"(?<![\w/.-])((?:[\w.-]+/)*[\w-]+\.[A-Za-z0-9]{1,8})(?![\w/-])")
_PLANS = (
    "First I would read {files}, then make the smallest change that does it, and finally run the tests.",
    "I would start by looking at {files}, write a failing test for the case, and then fix the code until it passes.",
    "The change touches {files}; I would keep the public interface as it is and add a note to the changelog.",
    "I would check {files} for the place this belongs, make the edit there, and review the diff before applying it.",
)


def prompt_of(content: list[Any]) -> str:
    """The text of a message's content items (``text`` and ``code`` as written, ``json`` as JSON)."""
    parts: list[str] = []
    for item in content:
        if not isinstance(item, dict):
            continue
        if isinstance(item.get("text"), str) and item.get("type") in ("text", "code"):
            parts.append(item["text"])
        elif item.get("type") == "json" and "value" in item:
            parts.append(json.dumps(item["value"], sort_keys=True))
    return "\n".join(parts).strip()


def respond(prompt: str, instructions: str = "", mode: str = "") -> str:
    """The answer to ``prompt``: the same text for the same prompt, instructions and mode."""
    if not prompt:
        return "There was no question in the request, so there is nothing to answer yet."
    digest = hashlib.sha256("\x00".join((prompt, instructions, mode)).encode()).digest()
    words = prompt.split()
    topic = " ".join(words[:16]) + (" ..." if len(words) > 16 else "")
    files = list(dict.fromkeys(_PATH.findall(prompt)))[:3]
    plan = _PLANS[digest[0] % len(_PLANS)].format(files=", ".join(files) if files else "the relevant files")
    opening = f"You asked: \"{topic}\"."
    if instructions:
        opening += " Following the agent's instructions."
    if mode:
        opening += f" Mode: {mode}."
    return f"{opening} {plan}"


def chunks(text: str) -> list[str]:
    """``text`` cut into token-event pieces at word boundaries; joined, they give ``text`` back."""
    pieces = re.findall(r"\S+\s*", text)
    per = max(WORDS_PER_CHUNK, -(-len(pieces) // MAX_CHUNKS))
    return ["".join(pieces[i:i + per]) for i in range(0, len(pieces), per)] or [text]


def word_count(text: str) -> int:
    """Upstream's token count: words, at least 1."""
    return max(1, len(text.split()))
