"""Deterministic 1024-dimension text embeddings, L2-normalised, with related texts nearer than unrelated.

A text's vector is the sum of sparse hashed features: each word (lower case, light stemming), each
word's character trigrams (so spelling variants stay close), leaving out words that carry no topic,
and, for words of ``lexicon``, the
direction of their meaning group (so "dog" and "puppy" meet). Each feature sets a few signed
positions chosen by BLAKE2 of its name, so no table is stored and every machine agrees.
"""

from __future__ import annotations

import base64
import hashlib
import math
import re
import struct
from collections.abc import Iterable

from twinstack.packs.wayscloud.llm.lexicon import CONCEPT_OF

DIMENSIONS = 1024
_SPREAD = 8
"""Positions one feature sets."""
_WEIGHTS = {"word": 1.0, "trigram": 0.25, "concept": 2.5}
_WORD = re.compile(r"[^\W_]+", re.UNICODE)
_STOP = frozenset(
    "a an the is are was were be been am do does did of to in on at by for with from and or but not no so if "
    "it its this that these those i you your we our they their he she his her me my us what which who how "
    "when where why can could would should will shall may might have has had about tell please".split()
)
"""Words that carry no topic: left out, so two texts do not meet on "what is the"."""


def embed(text: str) -> list[float]:
    vector = [0.0] * DIMENSIONS
    for kind, name in _features(text):
        weight = _WEIGHTS[kind]
        for position, sign in _positions(f"{kind}:{name}"):
            vector[position] += sign * weight
    norm = math.sqrt(sum(v * v for v in vector))
    if norm == 0.0:
        # An empty text still gets a unit vector, the same every time.
        for position, sign in _positions("empty"):
            vector[position] += sign
        norm = math.sqrt(_SPREAD)
    return [v / norm for v in vector]


def as_base64(vector: list[float]) -> str:
    """OpenAI's ``encoding_format: base64``: little-endian float32s."""
    return base64.b64encode(struct.pack(f"<{len(vector)}f", *vector)).decode("ascii")


def cosine(a: list[float], b: list[float]) -> float:
    return sum(x * y for x, y in zip(a, b))


def _features(text: str) -> Iterable[tuple[str, str]]:
    words = _WORD.findall(text.lower())
    topical = [w for w in words if w not in _STOP]
    # A text of nothing but small words ("what is it") keeps them, so it still has a direction of its own.
    for raw in topical or words:
        word = _stem(raw)
        yield "word", word
        padded = f"^{word}$"
        for i in range(len(padded) - 2):
            yield "trigram", padded[i:i + 3]
        concept = CONCEPT_OF.get(raw, CONCEPT_OF.get(word))
        if concept is not None:
            yield "concept", str(concept)


def _stem(word: str) -> str:
    for suffix in ("ies", "es", "s"):
        if len(word) > len(suffix) + 2 and word.endswith(suffix):
            return word[: -len(suffix)] + ("y" if suffix == "ies" else "")
    return word


def _positions(feature: str) -> Iterable[tuple[int, float]]:
    digest = hashlib.blake2b(feature.encode(), digest_size=2 * _SPREAD).digest()
    for i in range(_SPREAD):
        value = digest[2 * i] << 8 | digest[2 * i + 1]
        yield (value >> 1) % DIMENSIONS, 1.0 if value & 1 else -1.0
