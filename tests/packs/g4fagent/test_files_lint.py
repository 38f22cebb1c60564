"""Search, lint and format (brief scenario 3): real tools on the real workspace."""

from __future__ import annotations

from starlette.testclient import TestClient

from tests.packs.g4fagent.conftest import API, Tenant, assert_error, make_project, read_file, write_file

SOURCE = "import os\nimport sys\n\nprint( sys.argv )\n"


def _lint(client: TestClient, tenant: Tenant, pid: str, *paths: str) -> list[dict[str, object]]:
    response = client.post(f"{API}/projects/{pid}/lint", headers=tenant.headers, json={"paths": list(paths)})
    assert response.status_code == 200, response.text
    diagnostics: list[dict[str, object]] = response.json()["diagnostics"]
    return diagnostics


def test_search_lint_format_then_lint_is_clean(client: TestClient, tenant: Tenant) -> None:
    project = make_project(client, tenant)
    pid = project["id"]
    write_file(client, tenant, pid, "src/app.py", SOURCE)
    found = client.post(f"{API}/projects/{pid}/search", headers=tenant.headers,
                        json={"q": r"^import\s", "regex": True}).json()["matches"]
    assert [(m["path"], m["line"]) for m in found] == [("src/app.py", 1), ("src/app.py", 2)]

    diagnostics = _lint(client, tenant, pid, "src/app.py")
    assert diagnostics == [{"path": "src/app.py", "line": 1, "col": 8, "severity": "warning", "code": "F401",
                            "message": "`os` imported but unused"}]
    formatted = client.post(f"{API}/projects/{pid}/format", headers=tenant.headers, json={"paths": ["src/app.py"]})
    assert formatted.status_code == 200 and formatted.json() == {"ok": True, "changed": ["src/app.py"]}
    assert read_file(client, tenant, pid, "src/app.py") == "import os\nimport sys\n\nprint(sys.argv)\n"

    write_file(client, tenant, pid, "src/app.py", "import sys\n\nprint(sys.argv)\n")
    assert _lint(client, tenant, pid, "src/app.py") == []


def test_lint_knows_json_yaml_toml_text_and_missing_files(client: TestClient, tenant: Tenant) -> None:
    project = make_project(client, tenant)
    pid = project["id"]
    write_file(client, tenant, pid, "bad.json", '{\n  "a": 1,\n}\n')
    write_file(client, tenant, pid, "bad.yaml", "a: [1, 2\n")
    write_file(client, tenant, pid, "bad.toml", "a = \n")
    write_file(client, tenant, pid, "notes.txt", "trailing   \nno newline")
    write_file(client, tenant, pid, "broken.py", "def (\n")
    diagnostics = _lint(client, tenant, pid, "bad.json", "bad.yaml", "bad.toml", "notes.txt", "gone.py", "broken.py")
    codes = [(d["path"], d["code"], d["severity"]) for d in diagnostics]
    assert ("bad.json", "json_parse_error", "error") in codes
    assert ("bad.yaml", "yaml_parse_error", "error") in codes
    assert ("bad.toml", "toml_parse_error", "error") in codes
    assert ("notes.txt", "trailing_whitespace", "info") in codes and ("notes.txt", "missing_final_newline", "info") in codes
    assert ("gone.py", "file_not_found", "error") in codes
    assert ("broken.py", "invalid-syntax", "error") in codes
    json_error = next(d for d in diagnostics if d["code"] == "json_parse_error")
    assert (json_error["line"], json_error["col"]) == (3, 1)
    assert_error(client.post(f"{API}/projects/{pid}/lint", headers=tenant.headers, json={"paths": ["../x.py"]}), 400,
                 "invalid_path")
    assert_error(client.post(f"{API}/projects/{pid}/lint", headers=tenant.headers, json={"paths": "a.py"}), 400,
                 "invalid_request", "paths")


def test_format_without_paths_formats_python_and_json(client: TestClient, tenant: Tenant) -> None:
    project = make_project(client, tenant)
    pid = project["id"]
    write_file(client, tenant, pid, "a.py", "x=1\n")
    write_file(client, tenant, pid, "b.json", '{"k":[1,2]}')
    write_file(client, tenant, pid, "c.txt", "left alone   \n")
    answer = client.post(f"{API}/projects/{pid}/format", headers=tenant.headers, json={})
    assert answer.status_code == 200 and answer.json() == {"ok": True, "changed": ["a.py", "b.json"]}
    assert read_file(client, tenant, pid, "a.py") == "x = 1\n"
    assert read_file(client, tenant, pid, "b.json") == '{\n  "k": [\n    1,\n    2\n  ]\n}\n'
    assert read_file(client, tenant, pid, "c.txt") == "left alone   \n"
