"""What ``POST /blueprint_validations`` reports: syntax errors with positions, refused statements, warnings, manifest.

On top of the real parse (``sql_parsing.py``):

- **errors** (``valid: false``): the first syntax error, as "statement N, line
  L, column C: <the parser's message>"; statements a blueprint may not run:
  CREATE/DROP/ALTER DATABASE, roles and users, GRANT/REVOKE, ALTER SYSTEM,
  tablespaces, COPY to or from a program or a server file, ``SET ROLE`` /
  ``SESSION AUTHORIZATION``, ``USE``, and transaction control (the twin wraps
  the whole run in one transaction itself);
- **warnings**: DROP and TRUNCATE, DELETE/UPDATE without WHERE, CREATE
  TABLE/INDEX without IF NOT EXISTS, placeholders with no declared default, and
  on MySQL every statement that commits implicitly (DDL) or that the MySQL
  parser only passes through;
- **manifest**: ``tables``, ``indexes``, ``views``, ``functions``,
  ``extensions`` created, and ``inserts`` ({table: rows in VALUES lists}).

``problems`` (beyond the document) gives each error as
``{statement, position, line, column, message}`` for tools.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from twinstack.packs.polykomos.blueprint_variables import mask, normalize, occurrences
from twinstack.packs.polykomos.sql_parsing import Dialect, Statement, line_column, parse

_PG_REFUSED: dict[str, str] = {
    "CreatedbStmt": "CREATE DATABASE", "DropdbStmt": "DROP DATABASE", "AlterDatabaseStmt": "ALTER DATABASE",
    "AlterDatabaseSetStmt": "ALTER DATABASE", "AlterDatabaseRefreshCollStmt": "ALTER DATABASE",
    "CreateRoleStmt": "CREATE ROLE/USER", "AlterRoleStmt": "ALTER ROLE/USER", "AlterRoleSetStmt": "ALTER ROLE/USER",
    "DropRoleStmt": "DROP ROLE/USER", "GrantStmt": "GRANT/REVOKE", "GrantRoleStmt": "GRANT/REVOKE",
    "AlterSystemStmt": "ALTER SYSTEM", "TransactionStmt": "transaction control",
    "CreateTableSpaceStmt": "CREATE TABLESPACE", "DropTableSpaceStmt": "DROP TABLESPACE", "LoadStmt": "LOAD",
    "AlterOwnerStmt": "ALTER ... OWNER", "ReassignOwnedStmt": "REASSIGN OWNED",
}
_MYSQL_REFUSED_WORDS: dict[tuple[str, ...], str] = {
    ("CREATE", "USER"): "CREATE USER", ("ALTER", "USER"): "ALTER USER", ("DROP", "USER"): "DROP USER",
    ("RENAME", "USER"): "RENAME USER", ("CREATE", "ROLE"): "CREATE ROLE", ("DROP", "ROLE"): "DROP ROLE",
    ("GRANT",): "GRANT", ("REVOKE",): "REVOKE", ("SET", "PASSWORD"): "SET PASSWORD", ("SET", "GLOBAL"): "SET GLOBAL",
    ("LOCK", "TABLES"): "LOCK TABLES", ("UNLOCK", "TABLES"): "UNLOCK TABLES", ("XA",): "XA transactions",
    ("SAVEPOINT",): "transaction control", ("RELEASE",): "transaction control", ("BEGIN",): "transaction control",
    ("LOAD", "DATA"): "LOAD DATA", ("INSTALL",): "INSTALL PLUGIN", ("SHUTDOWN",): "SHUTDOWN",
}


@dataclass(slots=True)
class Report:
    valid: bool
    statement_count: int
    errors: list[str] = field(default_factory=list)
    warnings: list[str] = field(default_factory=list)
    manifest: dict[str, Any] = field(default_factory=dict)
    problems: list[dict[str, Any]] = field(default_factory=list)
    statements: list[Statement] = field(default_factory=list)

    def as_data(self) -> dict[str, Any]:
        return {"valid": self.valid, "statement_count": self.statement_count, "errors": self.errors,
                "warnings": self.warnings, "manifest": self.manifest, "problems": self.problems}


def validate(sql: str, dialect: Dialect = "postgres", declared: dict[str, Any] | None = None) -> Report:
    """Parse ``sql`` (placeholders masked) for ``dialect`` and judge it as a blueprint."""
    masked = mask(sql)
    parsed = parse(masked, dialect)
    manifest: dict[str, Any] = {"tables": [], "indexes": [], "views": [], "functions": [], "extensions": [],
                                "inserts": {}}
    report = Report(parsed.error is None, parsed.statement_count, manifest=manifest)
    if parsed.error is not None:
        report.errors.append(str(parsed.error))
        report.problems.append(parsed.error.as_dict())
    if not parsed.statements and parsed.error is None:
        report.valid = False
        report.errors.append("no SQL statements found")
        report.problems.append({"statement": 0, "position": 0, "line": 1, "column": 1,
                                "message": "no SQL statements found"})
    for statement in parsed.statements:
        refused = _pg_refused(statement) if dialect == "postgres" else _mysql_refused(statement)
        if refused:
            line, column = line_column(sql, statement.start)
            message = f"{refused} is not allowed in a blueprint"
            report.valid = False
            report.errors.append(f"statement {statement.index + 1}, line {line}, column {column}: {message}")
            report.problems.append({"statement": statement.index, "position": statement.start, "line": line,
                                    "column": column, "message": message})
        if dialect == "postgres":
            _pg_judge(statement, report)
        else:
            _mysql_judge(statement, report)
    _variable_warnings(sql, normalize(declared), report)
    report.statements = [Statement(s.index, sql[s.start:s.start + len(s.text)], s.start, s.node, s.generic)
                         for s in parsed.statements]
    return report


def _warn(report: Report, statement: Statement, message: str) -> None:
    report.warnings.append(f"statement {statement.index + 1}: {message}")


def _variable_warnings(sql: str, declared: dict[str, Any], report: Report) -> None:
    for name in dict.fromkeys(o.name for o in occurrences(sql)):
        if "default" not in declared.get(name, {}):
            report.warnings.append(f"variable {{{{{name}}}}} has no default: it must be given when applying")


# -- PostgreSQL (pglast nodes) --------------------------------------------------------


def _pg_refused(statement: Statement) -> str | None:
    node = statement.node
    kind = type(node).__name__
    if kind in _PG_REFUSED:
        return _PG_REFUSED[kind]
    if kind == "CopyStmt" and (getattr(node, "is_program", False) or getattr(node, "filename", None)):
        return "COPY to or from a program or server file"
    if kind == "VariableSetStmt" and str(getattr(node, "name", "") or "").lower() in ("role", "session_authorization"):
        return "SET ROLE / SESSION AUTHORIZATION"
    return None


def _pg_judge(statement: Statement, report: Report) -> None:
    node, kind, manifest = statement.node, type(statement.node).__name__, report.manifest
    if kind == "CreateStmt":
        manifest["tables"].append(_pg_relation(node.relation))
        if not node.if_not_exists:
            _warn(report, statement, "CREATE TABLE without IF NOT EXISTS fails if the table exists")
    elif kind == "CreateTableAsStmt":
        objtype = getattr(getattr(node, "objtype", None), "name", "")
        manifest["tables" if objtype == "OBJECT_TABLE" else "views"].append(
            _pg_relation(node.into.rel))
    elif kind == "IndexStmt":
        manifest["indexes"].append(node.idxname or f"(unnamed index on {_pg_relation(node.relation)})")
        if not node.if_not_exists:
            _warn(report, statement, "CREATE INDEX without IF NOT EXISTS fails if the index exists")
    elif kind == "ViewStmt":
        manifest["views"].append(_pg_relation(node.view))
    elif kind == "CreateFunctionStmt":
        manifest["functions"].append(".".join(n.sval for n in node.funcname))
    elif kind == "CreateExtensionStmt":
        manifest["extensions"].append(node.extname)
    elif kind == "InsertStmt":
        select = node.selectStmt
        rows = len(select.valuesLists) if select is not None and select.valuesLists else 0
        table = _pg_relation(node.relation)
        manifest["inserts"][table] = manifest["inserts"].get(table, 0) + rows
    elif kind in ("DropStmt", "TruncateStmt"):
        _warn(report, statement, f"{'DROP' if kind == 'DropStmt' else 'TRUNCATE'} destroys data")
    elif kind in ("DeleteStmt", "UpdateStmt") and node.whereClause is None:
        _warn(report, statement, f"{kind[:-4].upper()} without WHERE touches every row")


def _pg_relation(relation: Any) -> str:
    schema = getattr(relation, "schemaname", None)
    return f"{schema}.{relation.relname}" if schema else str(relation.relname)


# -- MySQL (sqlglot expressions) ------------------------------------------------------


def _mysql_refused(statement: Statement) -> str | None:
    # sqlglot on first use, as in ``sql_parsing``: it costs the start about 0.1 s.
    from sqlglot import exp

    node = statement.node
    if isinstance(node, (exp.Create, exp.Drop)) and str(node.args.get("kind") or "").upper() in ("DATABASE", "SCHEMA"):
        return f"{'CREATE' if isinstance(node, exp.Create) else 'DROP'} DATABASE"
    if isinstance(node, (exp.Transaction, exp.Commit, exp.Rollback)):
        return "transaction control"
    if isinstance(node, exp.Use):
        return "USE"
    words = tuple(w.upper() for w in statement.text.split()[:2])
    for prefix, label in _MYSQL_REFUSED_WORDS.items():
        if words[: len(prefix)] == prefix:
            return label
    return None


def _mysql_judge(statement: Statement, report: Report) -> None:
    from sqlglot import exp

    node, manifest = statement.node, report.manifest
    if statement.generic:
        _warn(report, statement, "not modelled by the MySQL parser; it is sent to the server as written")
    if isinstance(node, (exp.Create, exp.Drop, exp.Alter, exp.TruncateTable)):
        _warn(report, statement, "commits implicitly on MySQL: it cannot be rolled back if a later statement fails")
    if isinstance(node, exp.Create):
        kind = str(node.args.get("kind") or "").upper()
        target = node.this.this if isinstance(node.this, exp.Schema) else node.this
        name = target.name if isinstance(target, exp.Expression) else str(target)
        bucket = {"TABLE": "tables", "INDEX": "indexes", "VIEW": "views", "FUNCTION": "functions",
                  "PROCEDURE": "functions"}.get(kind)
        if bucket is not None:
            manifest[bucket].append(name)
        if kind in ("TABLE", "INDEX") and not node.args.get("exists"):
            _warn(report, statement, f"CREATE {kind} without IF NOT EXISTS fails if it exists")
    elif isinstance(node, exp.Insert):
        target = node.this.this if isinstance(node.this, exp.Schema) else node.this
        table = target.name if isinstance(target, exp.Expression) else str(target)
        values = node.expression
        rows = len(values.expressions) if isinstance(values, exp.Values) else 0
        manifest["inserts"][table] = manifest["inserts"].get(table, 0) + rows
    elif isinstance(node, (exp.Drop, exp.TruncateTable)):
        _warn(report, statement, f"{'DROP' if isinstance(node, exp.Drop) else 'TRUNCATE'} destroys data")
    elif isinstance(node, (exp.Delete, exp.Update)) and node.args.get("where") is None:
        _warn(report, statement, f"{type(node).__name__.upper()} without WHERE touches every row")
