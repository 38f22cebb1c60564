"""Blueprint SQL parsed for real: statements with their positions, or the first syntax error with its position.

- PostgreSQL: pglast, which is libpg_query, the server's own grammar. The
  statements and their offsets come from the parser, so ``;`` inside strings,
  comments and ``$$`` bodies never splits a statement.
- MySQL/MariaDB: sqlglot's ``mysql`` dialect. Its tokenizer (which knows
  strings, comments and quoted names) splits the text at ``;`` tokens and each
  statement is parsed on its own. Statements sqlglot does not model (``CREATE
  USER``, ``GRANT``, triggers...) come back as ``Command`` nodes: kept, marked
  ``generic``, and sent to the server as they are.

Positions are 0-based character offsets into the text given; ``line`` and
``column`` are 1-based, for people.

Both parsers are imported by the functions that use them, on the first
statement parsed: loading them with the pack costs the start about 0.1 s.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any, Literal

if TYPE_CHECKING:
    from sqlglot import Token as GlotToken
    from sqlglot.errors import ParseError as GlotParseError

Dialect = Literal["postgres", "mysql"]


@dataclass(slots=True)
class Statement:
    index: int
    text: str
    start: int
    """Offset of the statement's first character in the whole text."""
    node: Any
    """The parser's tree: a pglast ``ast.Node`` or a sqlglot ``Expression``."""
    generic: bool = False
    """MySQL only: sqlglot did not model this statement and kept it as raw text."""


@dataclass(slots=True)
class SyntaxProblem:
    statement: int
    """Index (from 0) of the statement holding the error."""
    position: int
    line: int
    column: int
    message: str

    def __str__(self) -> str:
        return f"statement {self.statement + 1}, line {self.line}, column {self.column}: {self.message}"

    def as_dict(self) -> dict[str, Any]:
        return {"statement": self.statement, "position": self.position, "line": self.line, "column": self.column,
                "message": self.message}


@dataclass(slots=True)
class Parsed:
    statements: list[Statement] = field(default_factory=list)
    error: SyntaxProblem | None = None
    statement_count: int = 0
    """Statements in the text; counted by ``;`` tokens when it does not parse."""


def line_column(text: str, position: int) -> tuple[int, int]:
    before = text[:position]
    return before.count("\n") + 1, position - (before.rfind("\n") + 1) + 1


def parse(text: str, dialect: Dialect) -> Parsed:
    try:
        text.encode("utf-8")
    except UnicodeEncodeError as exc:
        # A lone surrogate: no server can receive it, and libpg_query cannot even read it.
        line, column = line_column(text, exc.start)
        return Parsed(error=SyntaxProblem(0, exc.start, line, column, "text is not valid Unicode"), statement_count=1)
    return _parse_postgres(text) if dialect == "postgres" else _parse_mysql(text)


# -- PostgreSQL -------------------------------------------------------------------


def _parse_postgres(text: str) -> Parsed:
    from pglast import parser as pg

    try:
        raw = pg.parse_sql(text)
    except pg.ParseError as exc:
        where = exc.args[1] if len(exc.args) > 1 else None
        # "syntax error at end of input" carries no position: the end is where it is.
        position = int(where) if isinstance(where, int) else len(text.rstrip())
        index, count = _pg_statement_at(text, position)
        line, column = line_column(text, position)
        return Parsed(error=SyntaxProblem(index, position, line, column, str(exc.args[0])), statement_count=count)
    statements = []
    for index, item in enumerate(raw):
        start = int(item.stmt_location or 0)
        end = start + int(item.stmt_len) if item.stmt_len else len(text)
        statements.append(Statement(index, text[start:end].strip(), start, item.stmt))
    return Parsed(statements, None, len(statements))


def _pg_statement_at(text: str, position: int) -> tuple[int, int]:
    """Which statement holds ``position``, and how many there are, by the scanner's ``;`` tokens."""
    from pglast import parser as pg

    try:
        tokens = pg.scan(text)
    except pg.ParseError:
        # An unterminated string or comment: scan what precedes the error instead.
        try:
            tokens = pg.scan(text[:position])
        except pg.ParseError:
            return 0, 1
    ends = [t.start for t in tokens if t.name == "ASCII_59"]
    index = sum(1 for end in ends if end < position)
    trailing = bool(tokens) and tokens[-1].name != "ASCII_59"
    return index, max(1, len(ends) + (1 if trailing else 0))


# -- MySQL ------------------------------------------------------------------------


def _parse_mysql(text: str) -> Parsed:
    import sqlglot
    from sqlglot import exp
    from sqlglot.errors import ParseError as GlotParseError
    from sqlglot.errors import TokenError as GlotTokenError

    dialect = sqlglot.Dialect.get_or_raise("mysql")
    try:
        tokens = dialect.tokenize(text)
    except GlotTokenError as exc:
        line, column = line_column(text, len(text))
        return Parsed(error=SyntaxProblem(0, len(text), line, column, str(exc)), statement_count=1)
    pieces = _split_tokens(tokens)
    statements: list[Statement] = []
    for index, piece in enumerate(pieces):
        start, end = piece[0].start, piece[-1].end + 1
        chunk = text[start:end]
        try:
            node = sqlglot.parse_one(chunk, read="mysql")
        except GlotParseError as exc:
            return Parsed(error=_mysql_problem(text, chunk, start, index, exc), statement_count=len(pieces))
        statements.append(Statement(index, chunk, start, node, isinstance(node, exp.Command)))
    return Parsed(statements, None, len(statements))


def _split_tokens(tokens: list[GlotToken]) -> list[list[GlotToken]]:
    from sqlglot import TokenType

    pieces: list[list[GlotToken]] = [[]]
    for token in tokens:
        if token.token_type == TokenType.SEMICOLON:
            pieces.append([])
        else:
            pieces[-1].append(token)
    return [p for p in pieces if p]


def _mysql_problem(text: str, chunk: str, start: int, index: int, exc: GlotParseError) -> SyntaxProblem:
    detail = exc.errors[0] if exc.errors else {}
    line_in, column_in = int(detail.get("line") or 1), int(detail.get("col") or 1)
    # sqlglot's column is that of the token's last character: point at the token's start instead.
    lines = chunk.split("\n")
    offset = sum(len(row) + 1 for row in lines[: line_in - 1]) + max(column_in - 1, 0)
    token = detail.get("highlight") or ""
    if token and chunk[offset - len(token) + 1: offset + 1] == token:
        offset -= len(token) - 1
    position = start + min(offset, len(chunk))
    line, column = line_column(text, position)
    message = str(detail.get("description") or exc).split("\n")[0]
    return SyntaxProblem(index, position, line, column, message)
