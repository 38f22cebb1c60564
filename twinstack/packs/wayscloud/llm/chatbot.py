"""The seeded chatbot and its knowledge: retrieval with the embedding twin, answers with citations.

Bots are made in the vendor's dashboard, which the twin does not have, so every customer has one
bot, ``support-bot`` ("Customer Support", English), whose id is derived from the customer (the same
after a restart, different per customer). Its knowledge is a handful of short documents about
WAYSCloud; an answer is the document whose sentence best matches the question, cited with that
sentence as its snippet, or an honest "not in my sources" when nothing matches well enough.
"""

from __future__ import annotations

import functools
import re
import uuid
from dataclasses import dataclass

from twinstack.packs.wayscloud.llm.embeddings import cosine, embed

SLUG = "support-bot"
NAME = "Customer Support"
LANGUAGE = "en"
_NAMESPACE = uuid.UUID("6f1c1d3e-8a52-4a8e-9b0e-2f0d6c1b7a10")
THRESHOLD = 0.1
"""Cosine below which a document is not a source of the answer."""
NO_ANSWER = "I'm sorry, I could not find that in my knowledge sources. Please contact support for help."


@dataclass(frozen=True, slots=True)
class Document:
    title: str
    url: str
    text: str


DOCUMENTS: tuple[Document, ...] = (
    Document("Pricing", "https://wayscloud.services/pricing",
             "Our Standard plan starts at 199 NOK per month and includes 3 chatbots with up to 3,000 messages per "
             "month. The Pro plan costs 499 NOK per month. Prices are billed monthly and exclude VAT."),
    Document("Support and contact", "https://wayscloud.services/support",
             "Customer support is available by email at support@wayscloud.services on weekdays from 08:00 to 16:00 "
             "Oslo time. Urgent issues can be reported through the dashboard."),
    Document("Refunds and cancellation", "https://wayscloud.services/terms#refunds",
             "You can cancel a subscription at any time from the dashboard. Unused prepaid credit is refunded "
             "within 14 days of cancellation."),
    Document("Data location and security", "https://wayscloud.services/security",
             "All data is stored in our datacenters in Oslo, Norway. Storage is encrypted at rest and every "
             "connection uses TLS."),
    Document("Services", "https://wayscloud.services/services",
             "WAYSCloud offers VPS servers, managed PostgreSQL and MariaDB databases, S3-compatible object storage, "
             "DNS hosting, an OpenAI-compatible LLM API, SMS and IoT services."),
)


def bot_id(tenant: str) -> str:
    return str(uuid.uuid5(_NAMESPACE, tenant))


def bot(tenant: str) -> dict[str, str]:
    return {"id": bot_id(tenant), "slug": SLUG, "name": NAME, "status": "active", "language": LANGUAGE}


def is_bot(tenant: str, ref: str) -> bool:
    """A ``bot_id`` that names this customer's bot, by slug or id; another customer's id is not."""
    return ref == SLUG or ref == bot_id(tenant)


@functools.lru_cache(maxsize=1)
def _sentences() -> tuple[tuple[Document, str, tuple[float, ...]], ...]:
    """Every sentence of the knowledge with its embedding, computed once per process."""
    out = []
    for document in DOCUMENTS:
        for sentence in re.split(r"(?<=[.!?])\s+", document.text):
            out.append((document, sentence, tuple(embed(f"{document.title}. {sentence}"))))
    return tuple(out)


@dataclass(frozen=True, slots=True)
class Retrieved:
    answer: str
    citations: list[dict[str, str]]


def answer(question: str) -> Retrieved:
    asked = embed(question)
    scored = sorted(((cosine(asked, list(vector)), i) for i, (_, _, vector) in enumerate(_sentences())),
                    key=lambda s: (-s[0], s[1]))
    best, index = scored[0]
    if best < THRESHOLD:
        return Retrieved(NO_ANSWER, [])
    document, sentence, _ = _sentences()[index]
    return Retrieved(document.text, [{"title": document.title, "url": document.url, "snippet": sentence}])
