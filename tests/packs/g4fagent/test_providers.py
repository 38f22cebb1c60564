"""Providers and models: upstream's five providers, a fixed model catalogue, scans and checks."""

from __future__ import annotations

from starlette.testclient import TestClient

from tests.packs.g4fagent.conftest import API, Tenant, assert_error


def test_the_five_providers_are_listed_with_their_settings(client: TestClient, tenant: Tenant) -> None:
    client.put(f"{API}/settings", headers=tenant.headers,
               json={"providers": [{"provider_id": "openai", "enabled": False}]})
    body = client.get(f"{API}/providers", headers=tenant.headers).json()
    assert [(p["id"], p["type"], p["status"]) for p in body["items"]] == [
        ("openai", "cloud", "active"), ("anthropic", "cloud", "active"), ("ollama", "local", "idle"),
        ("g4f", "proxy", "active"), ("custom", "proxy", "idle")]
    assert body["items"][0]["enabled"] is False and body["items"][1]["enabled"] is True
    assert all(p["last_checked_at"] is None for p in body["items"]), "nothing was checked yet"
    assert body["items"][2]["base_url"] == "http://localhost:11434" and body["items"][3]["label"] == "G4F Auto"
    assert set(body["items"][0]["supports"]) == {"chat", "tools", "vision", "embeddings", "audio", "streaming"}
    page = client.get(f"{API}/providers", headers=tenant.headers, params={"limit": 2, "cursor": 4}).json()
    assert [p["id"] for p in page["items"]] == ["custom"] and page["next_cursor"] is None


def test_models_filter_by_text_and_capability(client: TestClient, tenant: Tenant) -> None:
    vision = client.get(f"{API}/providers/g4f/models", headers=tenant.headers, params={"capability": "vision"}).json()
    assert [m["id"] for m in vision["items"]] == ["gpt-4o-mini", "gpt-4o", "claude-3-5-sonnet"]
    claude = client.get(f"{API}/providers/anthropic/models", headers=tenant.headers, params={"q": "HAIKU"}).json()
    assert [(m["id"], m["context_tokens"], m["pricing"]) for m in claude["items"]] == [("claude-3-5-haiku", 200000, {})]
    assert_error(client.get(f"{API}/providers/nope/models", headers=tenant.headers), 404, "provider_not_found")


def test_scan_and_test(client: TestClient, tenant: Tenant) -> None:
    scan = client.post(f"{API}/providers/scan", headers=tenant.headers, json={"include": ["ollama", "g4f", "other"]}).json()
    assert scan == {"ok": True, "discovered": ["ollama", "g4f"], "warnings": []}
    assert client.post(f"{API}/providers/scan", headers=tenant.headers, json={}).json()["discovered"][0] == "openai"
    checked = client.post(f"{API}/providers/openai/test", headers=tenant.headers, json={}).json()
    assert checked["ok"] is True and 20 <= checked["latency_ms"] <= 200
    assert checked["details"] == "openai provider check succeeded"
    assert client.post(f"{API}/providers/openai/test", headers=tenant.headers, json={}).json() == checked
    # Nothing listens on the loopback Ollama port here: the real probe says so.
    ollama = client.post(f"{API}/providers/ollama/test", headers=tenant.headers, json={}).json()
    assert ollama["ok"] is False and "localhost:11434" in ollama["details"]
    assert client.post(f"{API}/providers/nope/test", headers=tenant.headers, json={}).json()["ok"] is False
    listed = {p["id"]: p for p in client.get(f"{API}/providers", headers=tenant.headers).json()["items"]}
    assert listed["openai"]["last_checked_at"] and listed["anthropic"]["last_checked_at"] is None
    assert listed["ollama"]["status"] == "offline" and listed["g4f"]["status"] == "active"
