"""Search over the real workspace: path, line and preview of exactly the lines that match."""

from __future__ import annotations

from starlette.testclient import TestClient

from tests.packs.g4fagent.conftest import API, Tenant, assert_error, folder_of, make_project, write_file


def _search(client: TestClient, tenant: Tenant, pid: str, **body: object) -> list[dict[str, object]]:
    response = client.post(f"{API}/projects/{pid}/search", headers=tenant.headers, json=body)
    assert response.status_code == 200, response.text
    matches: list[dict[str, object]] = response.json()["matches"]
    return matches


def test_search_finds_exactly_the_written_line(client: TestClient, tenant: Tenant) -> None:
    project = make_project(client, tenant)
    pid = project["id"]
    write_file(client, tenant, pid, "src/app.py", "import os\nimport sys\n\ndef main():\n    return 'Needle in a haystack'\n")
    write_file(client, tenant, pid, "docs/readme.md", "nothing to see\n")
    assert _search(client, tenant, pid, q="needle") == [
        {"path": "src/app.py", "line": 5, "preview": "    return 'Needle in a haystack'"}]
    assert _search(client, tenant, pid, q="needle", case_sensitive=True) == []
    assert _search(client, tenant, pid, q="absent text") == []
    imports = _search(client, tenant, pid, q=r"^import \w+$", regex=True)
    assert [(m["path"], m["line"]) for m in imports] == [("src/app.py", 1), ("src/app.py", 2)]
    assert _search(client, tenant, pid, q="see", paths=["docs"]) == [
        {"path": "docs/readme.md", "line": 1, "preview": "nothing to see"}]
    assert _search(client, tenant, pid, q="import", paths=["docs"]) == []


def test_search_skips_git_and_binary_files_and_cuts_previews(client: TestClient, tenant: Tenant) -> None:
    project = make_project(client, tenant)
    pid = project["id"]
    write_file(client, tenant, pid, "long.txt", "marker " + "x" * 1000 + "\n")
    (folder_of(client, project) / "blob.bin").write_bytes(b"\x00\x01marker\x00")
    client.post(f"{API}/projects/{pid}/repo/commit", headers=tenant.headers, json={"message": "marker commit"})
    matches = _search(client, tenant, pid, q="marker")
    assert [m["path"] for m in matches] == ["long.txt"]
    assert len(str(matches[0]["preview"])) == 500


def test_bad_searches_are_400(client: TestClient, tenant: Tenant) -> None:
    project = make_project(client, tenant)
    pid = project["id"]
    assert_error(client.post(f"{API}/projects/{pid}/search", headers=tenant.headers, json={"q": "(", "regex": True}),
                 400, "invalid_request", "q")
    assert_error(client.post(f"{API}/projects/{pid}/search", headers=tenant.headers, json={"q": "x", "paths": ["../"]}),
                 400, "invalid_path")
    assert_error(client.post(f"{API}/projects/{pid}/search", headers=tenant.headers, json={"regex": True}),
                 400, "invalid_request", "q")
