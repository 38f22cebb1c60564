"""Blueprint variables: ``{{name}}`` placeholders in the SQL, declared in ``variables``, substituted safely.

The document leaves the format open; this twin's (see the README):

- ``variables`` is ``{name: {"default"?: value, "required"?: bool, "description"?: str}}``
  (a value that is not an object is that variable's default); only names like
  SQL identifiers (``[A-Za-z_][A-Za-z0-9_]*``) can be used as placeholders;
- a placeholder is ``{{name}}`` (spaces inside the braces allowed);
- values come from the application's ``variables``, else the declared default;
  a placeholder with neither, or a ``required`` variable without a value, is
  refused before anything runs.

Substitution is by lexical context, found by the dialect's own tokenizer on
the text with every placeholder masked by an identifier of the same length:

- inside a quoted string the value is escaped for that string (quotes doubled;
  backslashes too where the string treats them as escapes; a ``$$`` body takes
  no value containing ``$``);
- anywhere else the value must be a bare identifier or a number, so a value
  can never add SQL of its own.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from typing import Any

from twinstack.packs.polykomos.sql_parsing import Dialect

PLACEHOLDER = re.compile(r"\{\{\s*([A-Za-z_][A-Za-z0-9_]*)\s*\}\}")
_BARE = re.compile(r"^(?:[A-Za-z_][A-Za-z0-9_]*|-?\d+(?:\.\d+)?)$")


class VariableError(ValueError):
    """A value that cannot be placed, or a placeholder with no value; ``name`` is the variable."""

    def __init__(self, name: str, message: str) -> None:
        super().__init__(message)
        self.name = name
        self.message = message


@dataclass(slots=True)
class Occurrence:
    name: str
    start: int
    end: int


def occurrences(sql: str) -> list[Occurrence]:
    return [Occurrence(m.group(1), m.start(), m.end()) for m in PLACEHOLDER.finditer(sql)]


def mask(sql: str) -> str:
    """Every placeholder replaced by an identifier of the same length, so positions stay true."""
    return PLACEHOLDER.sub(lambda m: "v" + "_" * (len(m.group(0)) - 1), sql)


def normalize(declared: Any) -> dict[str, dict[str, Any]]:
    """Declarations as ``{name: {"default"?, "required"?, "description"?}}``.

    Lenient, since the document only says "object": a value that is not an
    object is taken as that variable's default (``{"theme": "dark"}``).
    """
    if not isinstance(declared, dict):
        return {}
    return {str(name): spec if isinstance(spec, dict) else {"default": spec} for name, spec in declared.items()}


def resolve(declared: dict[str, Any] | None, given: dict[str, Any] | None, sql: str) -> dict[str, Any]:
    """The value of every variable the SQL uses or the blueprint requires; ``VariableError`` for a missing one."""
    declared = normalize(declared)
    given = given or {}
    values: dict[str, Any] = {}
    for name in dict.fromkeys([*(o.name for o in occurrences(sql)), *declared]):
        spec = declared.get(name, {})
        if name in given:
            values[name] = given[name]
        elif "default" in spec:
            values[name] = spec["default"]
        elif spec.get("required") or name not in declared:
            raise VariableError(name, f"variable {name!r} has no value and no default")
    return values


def substitute(sql: str, values: dict[str, Any], dialect: Dialect) -> str:
    """``sql`` with each placeholder replaced by its value, escaped for where it stands."""
    found = occurrences(sql)
    if not found:
        return sql
    strings = _string_spans(mask(sql), dialect)
    out = sql
    for occurrence in reversed(found):
        value = values.get(occurrence.name)
        if value is None:
            raise VariableError(occurrence.name, f"variable {occurrence.name!r} has no value")
        text = _text(value)
        span = next((s for s in strings if s[0] <= occurrence.start and occurrence.end <= s[1]), None)
        placed = _in_string(occurrence.name, text, sql[span[0]] if span else "", dialect) if span else _bare(
            occurrence.name, text
        )
        out = out[: occurrence.start] + placed + out[occurrence.end:]
    return out


def _text(value: Any) -> str:
    if isinstance(value, bool):
        return "true" if value else "false"
    return str(value)


def _bare(name: str, text: str) -> str:
    if not _BARE.match(text):
        raise VariableError(name, f"variable {name!r} stands outside a quoted string, so its value must be a plain "
                                  f"name or a number, not {text!r}")
    return text


def _in_string(name: str, text: str, opener: str, dialect: Dialect) -> str:
    if opener == "$":
        if "$" in text:
            raise VariableError(name, f"variable {name!r} stands in a $$ body: its value may not contain '$'")
        return text
    if dialect == "mysql":
        quote = opener if opener in "'\"" else "'"
        return text.replace("\\", "\\\\").replace(quote, quote * 2)
    if opener in "eE":
        text = text.replace("\\", "\\\\")
    return text.replace("'", "''")


def _string_spans(masked: str, dialect: Dialect) -> list[tuple[int, int]]:
    """``[start, end)`` of every quoted string literal, by the dialect's tokenizer."""
    # The tokenizers are imported on first use, as in ``sql_parsing``: they cost the start about 0.1 s.
    if dialect == "postgres":
        from pglast import parser as pg

        try:
            tokens = pg.scan(masked)
        except pg.ParseError:
            return []
        return [(t.start, t.end + 1) for t in tokens if t.name in ("SCONST", "USCONST", "BCONST", "XCONST")]
    import sqlglot
    from sqlglot import TokenType

    strings = {TokenType.STRING, TokenType.NATIONAL_STRING, TokenType.RAW_STRING}
    try:
        glot = sqlglot.Dialect.get_or_raise("mysql").tokenize(masked)
    except sqlglot.errors.TokenError:
        return []
    spans = []
    for token in glot:
        if token.token_type in strings:
            # The token's text excludes its quotes: widen to the delimiters (and an N/_charset prefix).
            spans.append((token.start, token.end + 1))
    return spans
