"""The error bodies of the frameworks APIs are built with, for packs to choose from.

Each style is an ``ErrorRenderer`` (``Pack.errors``): ``(error, status,
request_id, declared schema) -> body``, built from the structured
``FieldIssue``s of a ``ValidationFailed`` (kind, constraint, value), never from
a validator's message::

    FastAPI   {"detail": [{"type", "loc", "msg", "input", "ctx"?}]}, pydantic's words   (fastapi.py)
    NestJS    {"statusCode", "message": [...], "error"}, class-validator's words       (nestjs.py)
    Problem   RFC 9457 {"type", "title", "status", "detail", "instance"?, "errors"}     (problem.py)
    Plain     {"error", "message", "field"?}: the default                               (plain.py)

A pack declares one (``errors=NestJS()``), or keeps a small renderer of its own
for its API's particulars (its own codes, texts or envelope) and calls the
style for the rest. ``CodeNames`` says what an API calls the engine's general
error codes.
"""

from __future__ import annotations

from twinstack.engine.error_styles.fastapi import FastAPI
from twinstack.engine.error_styles.naming import client_field, field_name, reason_phrase
from twinstack.engine.error_styles.nestjs import NestJS, class_validator_message, nest_body
from twinstack.engine.error_styles.plain import ENGINE_CODES, CodeNames, Plain
from twinstack.engine.error_styles.problem import Problem

__all__ = [
    "ENGINE_CODES",
    "CodeNames",
    "FastAPI",
    "NestJS",
    "Plain",
    "Problem",
    "class_validator_message",
    "client_field",
    "field_name",
    "nest_body",
    "reason_phrase",
]
