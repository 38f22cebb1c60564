"""Natural language to SQL, deterministically, over the database's real (introspected) schema.

No model is involved: each supported phrasing is a pattern, and every table
and column it names is matched against the tables and columns the server
reports (case-insensitive; singular or plural; spaces for underscores). The
SQL produced quotes those real names for the dialect and writes values as
escaped literals, so the question can never add SQL of its own.

Supported forms (``<t>`` a table, ``<c>`` a column, ``<v>`` a value):

- text that already is SQL (none of the forms below reads it, and it parses for
  the database's dialect) runs as written;
- "how many rows are in <t>", "how many <t> are there", "count <t>",
  "number of <t>" (each optionally "where/with <c> is <v>");
- "show/list/get [all] <t>" (optionally "where/with <c> is <v>");
- "the [N] most recent/latest/newest <t>", "the [N] oldest/first <t>"
  (ordered by the table's first date/time column, else its primary key);
- "sum/total/average/avg/mean/min/max [of] <c> in/of/from <t>";
- "create a table for/called <words> with [columns] <c>, <c> and <c>"
  (adds an ``id`` key and ``created_at``);
- "add/insert [a] <t> with <c> <v>, <c> <v> and <c> <v>" (``=`` or ``:`` allowed);
- "delete <t> where <c> is <v>", "delete all <t>".

Anything else raises :class:`NotUnderstood`, whose message lists the tables.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Sequence
from dataclasses import dataclass

from twinstack.drivers.databases import ColumnInfo, TableInfo
from twinstack.packs.polykomos.sql_parsing import Dialect, parse

DEFAULT_LIMIT = 10
_SQL_START = re.compile(r"^\s*(select|insert|update|delete|create|alter|drop|with|show|explain|truncate|values)\b",
                        re.IGNORECASE)
_NUMBER = re.compile(r"^-?\d+(?:\.\d+)?$")
_NUMERIC_TYPES = ("int", "numeric", "decimal", "real", "double", "float", "serial", "money")
_TIME_TYPES = ("timestamp", "date", "time")
_WORDS = {"one": 1, "two": 2, "three": 3, "four": 4, "five": 5, "six": 6, "seven": 7, "eight": 8, "nine": 9,
          "ten": 10, "twenty": 20, "fifty": 50, "hundred": 100}
_AGGREGATES = {"sum": "SUM", "total": "SUM", "average": "AVG", "avg": "AVG", "mean": "AVG", "min": "MIN",
               "minimum": "MIN", "max": "MAX", "maximum": "MAX"}
_FILTER = (r"(?:\s+(?:where|with|whose|having)\s+(?P<col>[\w ]+?)(?:\s+(?:is|equals|of)\s+|\s*[=:]\s*|\s+)"
           r"(?P<val>.+?))?")


class NotUnderstood(ValueError):
    """The question matches no supported form, or names no table or column of the database."""


@dataclass(frozen=True, slots=True)
class Translation:
    sql: str
    how: str
    """Which form matched (``sql``, ``count``, ``list``, ``latest``...), for the record."""


class _Writer:
    """Quotes names and values for one dialect against one schema."""

    def __init__(self, tables: Sequence[TableInfo], dialect: Dialect) -> None:
        self.tables = [t for t in tables if t.kind in ("table", "view")]
        self.dialect = dialect

    def name(self, identifier: str) -> str:
        if self.dialect == "mysql":
            return "`" + identifier.replace("`", "``") + "`"
        return '"' + identifier.replace('"', '""') + '"'

    def table(self, words: str) -> TableInfo:
        wanted = _variants(words)
        for table in self.tables:
            if {table.name.lower(), table.qualified_name.lower()} & wanted:
                return table
        known = ", ".join(t.qualified_name for t in self.tables) or "none yet"
        raise NotUnderstood(f"no table matches {words.strip()!r} (tables: {known})")

    def table_sql(self, table: TableInfo) -> str:
        if table.schema not in ("public", "") and self.dialect == "postgres":
            return f"{self.name(table.schema)}.{self.name(table.name)}"
        return self.name(table.name)

    def column(self, table: TableInfo, words: str) -> ColumnInfo:
        wanted = _variants(words)
        for column in table.columns:
            if column.name.lower() in wanted:
                return column
        raise NotUnderstood(f"table {table.name} has no column like {words.strip()!r} "
                            f"(columns: {', '.join(c.name for c in table.columns)})")

    def value(self, column: ColumnInfo | None, raw: str) -> str:
        text = raw.strip().strip(".?!").strip()
        if len(text) >= 2 and text[0] == text[-1] and text[0] in "'\"":
            text = text[1:-1]
        elif column is not None and _NUMBER.match(text) and any(t in column.type.lower() for t in _NUMERIC_TYPES):
            return text
        elif text.lower() in ("null", "true", "false"):
            return text.upper()
        if self.dialect == "mysql":
            text = text.replace("\\", "\\\\")
        return "'" + text.replace("'", "''") + "'"

    def where(self, table: TableInfo, column_words: str | None, value: str | None) -> str:
        if not column_words or value is None:
            return ""
        column = self.column(table, column_words)
        return f" WHERE {self.name(column.name)} = {self.value(column, value)}"

    def ordering(self, table: TableInfo) -> ColumnInfo:
        timed = [c for c in table.columns if any(t in c.type.lower() for t in _TIME_TYPES)]
        keyed = [c for c in table.columns if c.primary_key]
        if timed or keyed or table.columns:
            return (timed or keyed or list(table.columns))[0]
        raise NotUnderstood(f"table {table.name} has no column to order by")


def _variants(words: str) -> set[str]:
    """The names a phrase may mean: ``user preferences`` -> user_preferences, userpreferences, singular/plural."""
    base = re.sub(r"^(?:the|all|every|my|our)\s+", "", words.strip().lower()).strip()
    base = re.sub(r"\s+(?:table|rows?|records?|entries)$", "", base).strip()
    forms = {base, base.replace(" ", "_"), base.replace(" ", ""), base.replace("-", "_")}
    out = set()
    for form in forms:
        out |= {form, form + "s", form + "es"}
        if form.endswith("ies"):
            out.add(form[:-3] + "y")
        if form.endswith("es"):
            out.add(form[:-2])
        if form.endswith("s"):
            out.add(form[:-1])
        if form.endswith("y"):
            out.add(form[:-1] + "ies")
    return {f for f in out if f}


def _number(text: str | None, default: int) -> int:
    if not text:
        return default
    return int(text) if text.isdigit() else _WORDS.get(text.lower(), default)


def _pairs(text: str) -> list[tuple[str, str]]:
    """``a 1, b = 'x y' and c: z`` -> [(a, 1), (b, 'x y'), (c, z)]."""
    parts = re.split(r",\s*(?:and\s+)?|\s+and\s+", text.strip().rstrip(".?!"))
    pairs = []
    for part in parts:
        found = re.match(r"^\s*(?:a\s+|an\s+|the\s+)?([\w ]+?)\s*(?:=|:|\s+of|\s+is|\s)\s*(.+?)\s*$", part)
        if found is None:
            raise NotUnderstood(f"cannot read a column and value from {part.strip()!r}")
        pairs.append((found.group(1), found.group(2)))
    return pairs


def translate(question: str, tables: Sequence[TableInfo], dialect: Dialect) -> Translation:
    """The SQL for ``question`` on a database holding ``tables``; ``NotUnderstood`` if there is none."""
    text = " ".join(question.strip().split())
    writer = _Writer(tables, dialect)
    first_problem: NotUnderstood | None = None
    for pattern, build in _FORMS:
        found = pattern.match(text.rstrip("?.! "))
        if found is None:
            continue
        try:
            return Translation(build(writer, found), build.__name__.removeprefix("_"))
        except NotUnderstood as problem:
            # "delete from notes where ..." reads as a phrase naming a table "from notes": it may still be SQL.
            first_problem = first_problem or problem
    if _SQL_START.match(question):
        parsed = parse(question.strip(), dialect)
        if parsed.error is None and parsed.statements and not any(s.generic for s in parsed.statements):
            return Translation(question.strip().rstrip(";").strip(), "sql")
    raise first_problem or NotUnderstood(
        "could not turn this into SQL; try e.g. 'how many rows are in <table>', 'show the 5 most recent <table>', "
        "'list <table> where <column> is <value>', 'average <column> in <table>', or write SQL"
    )


def _count(w: _Writer, m: re.Match[str]) -> str:
    table = w.table(m.group("t"))
    return f"SELECT COUNT(*) AS count FROM {w.table_sql(table)}{w.where(table, m.group('col'), m.group('val'))}"


def _list(w: _Writer, m: re.Match[str]) -> str:
    table = w.table(m.group("t"))
    return f"SELECT * FROM {w.table_sql(table)}{w.where(table, m.group('col'), m.group('val'))}"


def _latest(w: _Writer, m: re.Match[str]) -> str:
    table = w.table(m.group("t"))
    order = "ASC" if m.group("dir").lower() in ("oldest", "first", "earliest") else "DESC"
    limit = _number(m.group("n") or m.group("n2"), DEFAULT_LIMIT)
    return (f"SELECT * FROM {w.table_sql(table)} ORDER BY {w.name(w.ordering(table).name)} {order} "
            f"LIMIT {limit}")


def _aggregate(w: _Writer, m: re.Match[str]) -> str:
    table = w.table(m.group("t"))
    column = w.column(table, m.group("c"))
    function = _AGGREGATES[m.group("fn").lower()]
    alias = w.name(f"{function.lower()}_{column.name}")
    return f"SELECT {function}({w.name(column.name)}) AS {alias} FROM {w.table_sql(table)}"


def _create(w: _Writer, m: re.Match[str]) -> str:
    name = re.sub(r"[^a-z0-9_]+", "_", m.group("t").lower()).strip("_")
    if not name:
        raise NotUnderstood("the table needs a name")
    columns = [re.sub(r"[^a-z0-9_]+", "_", c.strip().lower()).strip("_")
               for c in re.split(r",\s*(?:and\s+)?|\s+and\s+", m.group("cols"))]
    if w.dialect == "mysql":
        head = "id BIGINT AUTO_INCREMENT PRIMARY KEY, created_at TIMESTAMP NOT NULL DEFAULT CURRENT_TIMESTAMP"
    else:
        head = "id BIGSERIAL PRIMARY KEY, created_at TIMESTAMPTZ NOT NULL DEFAULT now()"
    body = ", ".join(f"{w.name(c)} TEXT" for c in columns if c and c not in ("id", "created_at"))
    return f"CREATE TABLE {w.name(name)} ({head}{', ' + body if body else ''})"


def _insert(w: _Writer, m: re.Match[str]) -> str:
    table = w.table(m.group("t"))
    pairs = [(w.column(table, c), v) for c, v in _pairs(m.group("pairs"))]
    names = ", ".join(w.name(c.name) for c, _ in pairs)
    values = ", ".join(w.value(c, v) for c, v in pairs)
    return f"INSERT INTO {w.table_sql(table)} ({names}) VALUES ({values})"


def _delete(w: _Writer, m: re.Match[str]) -> str:
    table = w.table(m.group("t"))
    where = w.where(table, m.group("col"), m.group("val"))
    if not where and not m.group("all"):
        raise NotUnderstood("say which rows to delete ('delete <table> where <column> is <value>') or 'delete all <table>'")
    return f"DELETE FROM {w.table_sql(table)}{where}"


_Build = Callable[[_Writer, "re.Match[str]"], str]
_FORMS: list[tuple[re.Pattern[str], _Build]] = [
    (re.compile(r"^(?:how many|count(?: the| all)?|number of)\s+(?:rows|records|entries)\s+(?:are\s+)?(?:in|of)\s+"
                r"(?:the\s+)?(?P<t>[\w -]+?)(?:\s+table)?" + _FILTER + r"(?:\s+(?:are there|exist))?$", re.I), _count),
    (re.compile(r"^(?:how many|count(?: the| all)?|number of)\s+(?P<t>[\w -]+?)" + _FILTER +
                r"(?:\s+(?:are there|exist|do (?:we|i) have))?$", re.I), _count),
    (re.compile(r"^(?:show|list|get|give|find|fetch|display)?(?:\s+me)?\s*(?:the\s+)?(?:(?P<n>\d+|\w+)\s+)?"
                r"(?P<dir>most recent|latest|newest|last|oldest|first|earliest)\s+(?:(?P<n2>\d+)\s+)?(?P<t>[\w -]+?)$",
                re.I), _latest),
    (re.compile(r"^(?:what is |what's |show |get |compute )?(?:the\s+)?(?P<fn>sum|total|average|avg|mean|min|minimum|"
                r"max|maximum)\s+(?:of\s+)?(?:the\s+)?(?P<c>[\w ]+?)\s+(?:in|of|from|across|for)\s+(?:the\s+|all\s+)?"
                r"(?P<t>[\w -]+?)$", re.I), _aggregate),
    (re.compile(r"^create\s+(?:a\s+|an\s+)?(?:new\s+)?table\s+(?:for|called|named)\s+(?P<t>[\w -]+?)\s+with\s+"
                r"(?:the\s+)?(?:columns?\s+|fields?\s+)?(?P<cols>.+)$", re.I), _create),
    (re.compile(r"^(?:add|insert)\s+(?:a\s+|an\s+|one\s+)?(?:new\s+)?(?:row\s+(?:to|into)\s+)?(?:into\s+)?"
                r"(?P<t>[\w -]+?)\s+(?:with|where|having|:)\s+(?P<pairs>.+)$", re.I), _insert),
    (re.compile(r"^(?:delete|remove)\s+(?P<all>all\s+)?(?:the\s+)?(?:rows\s+(?:from|in)\s+)?(?P<t>[\w -]+?)" + _FILTER
                + r"$", re.I), _delete),
    (re.compile(r"^(?:show|list|get|give|find|fetch|display|select)(?:\s+me)?\s+(?:all\s+|every\s+|the\s+)*"
                r"(?P<t>[\w -]+?)" + _FILTER + r"$", re.I), _list),
]
