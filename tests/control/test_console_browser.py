"""The web console in headless Chromium against a real ``twinstack serve``, used the way a person uses it.

Needs Playwright (the ``test`` extra) and a Chromium on the machine (Debian: ``apt-get install chromium``; another
binary can be named by ``TWINSTACK_CHROMIUM``); without them the tests are skipped with the reason. Each test saves
screenshots of what it saw under ``$TWINSTACK_ARTIFACTS/console/`` when that variable is set, else under the
test's own pytest tmp dir.

The server runs at ``--speed realistic``, so lifecycles move only as the twin clock is advanced.
"""

from __future__ import annotations

import os
import re
import shutil
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import httpx
import pytest

from tests.conftest import LiveServer, tenant_credentials
from tests.packs.bluelobster.conftest import LAUNCH

playwright_api = pytest.importorskip("playwright.sync_api", reason="Playwright is not installed (pip install -e '.[test]')")
expect = playwright_api.expect

_WAIT_MS = 15_000
expect.set_options(timeout=_WAIT_MS)


def _chromium() -> str | None:
    named = os.environ.get("TWINSTACK_CHROMIUM")
    if named:
        return named if Path(named).exists() else None
    return next((found for name in ("chromium", "chromium-browser", "google-chrome")
                 if (found := shutil.which(name))), None)


@pytest.fixture(scope="module")
def server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[LiveServer]:
    live = LiveServer(tmp_path_factory.mktemp("console") / "state", ["--speed", "realistic"])
    live.start()
    yield live
    live.stop()


@pytest.fixture(scope="module")
def browser(server: LiveServer) -> Iterator[Any]:
    binary = _chromium()
    if binary is None:
        pytest.skip("no Chromium installed (apt-get install chromium, or set TWINSTACK_CHROMIUM)")
    with playwright_api.sync_playwright() as driver:
        launched = driver.chromium.launch(executable_path=binary, headless=True)
        yield launched
        launched.close()


@pytest.fixture
def artifacts(request: pytest.FixtureRequest, tmp_path: Path) -> Path:
    root = os.environ.get("TWINSTACK_ARTIFACTS")
    where = Path(root) / "console" / request.node.name if root else tmp_path / "screenshots"
    where.mkdir(parents=True, exist_ok=True)
    return where


@pytest.fixture
def page(browser: Any, server: LiveServer, artifacts: Path) -> Iterator[Any]:
    context = browser.new_context(viewport={"width": 1400, "height": 900})
    context.grant_permissions(["clipboard-read", "clipboard-write"], origin=server.url)
    opened = context.new_page()
    opened.set_default_timeout(_WAIT_MS)
    errors: list[str] = []
    opened.on("pageerror", lambda error: errors.append(str(error)))
    yield opened
    opened.screenshot(path=str(artifacts / "last.png"), full_page=True)
    context.close()
    assert errors == [], errors


def _open(page: Any, server: LiveServer, tab: str) -> None:
    page.goto(f"{server.url}/_twinstack/console#{tab}")
    expect(page.locator("#clock-now")).to_contain_text("twin time")


def _show_collection(page: Any, tenant: str, service: str, collection: str) -> Any:
    page.select_option("#res-tenant", tenant)
    page.select_option("#res-service", service)
    page.locator(f'#res-collections [data-collection="{collection}"]').click()
    grid = page.locator(f'#res-grid[data-tenant="{tenant}"][data-service="{service}"][data-collection="{collection}"]')
    expect(grid).to_have_count(1)
    return grid


def _launch(server: LiveServer, api_key: str) -> str:
    with server.http() as http:
        response = http.post("/bluelobster/api/v1/instances/launch-instance", headers={"X-API-Key": api_key}, json=LAUNCH)
        assert response.status_code == 200, response.text
        return str(response.json()["data"]["instance_ids"][0])


def test_a_resource_created_through_the_api_appears_with_a_link_to_its_json(page: Any, server: LiveServer,
                                                                               artifacts: Path) -> None:
    with server.http() as http:
        tenant = tenant_credentials(http)
    instance = _launch(server, tenant["credentials"]["bluelobster"]["api_key"])
    _open(page, server, "tenants")
    card = page.locator(f'[data-tenant="{tenant["id"]}"]')
    expect(card).to_contain_text(tenant["credentials"]["bluelobster"]["api_key"])
    copy = card.locator('button.copy[data-service="bluelobster"][data-name="api_key"]')
    copy.click()
    expect(copy).to_have_text("Copied")
    assert page.evaluate("navigator.clipboard.readText()") == tenant["credentials"]["bluelobster"]["api_key"]
    page.locator("[data-tab=resources]").click()
    grid = _show_collection(page, tenant["id"], "bluelobster", "instances")
    row = grid.locator("tbody tr", has_text=instance)
    expect(row).to_have_count(1)
    page.screenshot(path=str(artifacts / "resources.png"), full_page=True)
    link = row.get_by_role("link", name="JSON").get_attribute("href")
    assert link is not None
    shown = httpx.get(server.url + link, timeout=10).json()
    assert shown["uuid"] == instance and shown["region"] == LAUNCH["region"]


def test_an_sms_sent_through_the_api_appears_in_the_open_outbox_view(page: Any, server: LiveServer,
                                                                      artifacts: Path) -> None:
    with server.http() as http:
        tenant = tenant_credentials(http)
    _open(page, server, "outbox")
    page.select_option("#out-channel", "sms")
    body = f"Console check {tenant['id'][:8]}"
    with server.http() as http:
        sent = http.post("/wayscloud/v1/sms/send", headers={"X-API-Key": tenant["credentials"]["wayscloud"]["api_key"]},
                         json={"to": ["+4791234567"], "message": body})
        assert sent.status_code == 200, sent.text
    # The page is not reloaded: the open outbox reads itself again as messages land (this one a second after).
    row = page.locator("#out-grid tbody tr", has_text=body)
    expect(row).to_have_count(1)
    expect(row).to_contain_text("+4791234567")
    expect(row).to_contain_text("sms")
    page.screenshot(path=str(artifacts / "outbox.png"), full_page=True)


def test_advancing_the_clock_from_the_console_finishes_a_launch(page: Any, server: LiveServer, artifacts: Path) -> None:
    with server.http() as http:
        tenant = tenant_credentials(http)
    instance = _launch(server, tenant["credentials"]["bluelobster"]["api_key"])
    _open(page, server, "resources")
    grid = _show_collection(page, tenant["id"], "bluelobster", "instances")
    expect(grid.locator("tbody tr", has_text=instance)).to_contain_text("creating")
    page.screenshot(path=str(artifacts / "before-advance.png"), full_page=True)

    page.locator("[data-tab=clock]").click()
    before = page.locator("#clock-value").inner_text()
    page.fill("#clock-seconds", "10m")
    page.locator("#clock-advance").click()
    expect(page.locator("#clock-result")).to_contain_text("Advanced 600 s")
    assert page.locator("#clock-value").inner_text() > before

    page.locator("[data-tab=resources]").click()
    grid = _show_collection(page, tenant["id"], "bluelobster", "instances")
    row = grid.locator("tbody tr", has_text=instance)
    expect(row).to_contain_text("rented")
    expect(row).not_to_contain_text("creating")
    page.screenshot(path=str(artifacts / "after-advance.png"), full_page=True)
    with server.http() as http:
        seen = http.get(f"/bluelobster/api/v1/instances/{instance}",
                        headers={"X-API-Key": tenant["credentials"]["bluelobster"]["api_key"]}).json()
        assert seen["power_status"] == "running"


def test_the_request_journal_updates_live_and_filters(page: Any, server: LiveServer, artifacts: Path) -> None:
    with server.http() as http:
        tenant = tenant_credentials(http)
    _open(page, server, "requests")
    expect(page.locator("#req-state")).to_have_text("live")
    key = tenant["credentials"]["bluelobster"]["api_key"]
    instance = _launch(server, key)
    with server.http() as http:
        assert http.get(f"/bluelobster/api/v1/instances/{instance}", headers={"X-API-Key": key}).status_code == 200
    rows = page.locator("#req-table tbody tr")
    read = rows.filter(has_text=f"/bluelobster/api/v1/instances/{instance}")
    expect(read).to_have_count(1)
    expect(read).to_contain_text("200")
    page.fill("#req-filter", "launch-instance")
    expect(read).to_be_hidden()
    expect(rows.filter(has_text="launch-instance").first).to_be_visible()
    page.screenshot(path=str(artifacts / "requests.png"), full_page=True)


def test_reset_asks_first_and_then_wipes_every_tenant(page: Any, server: LiveServer, artifacts: Path) -> None:
    with server.http() as http:
        tenant = tenant_credentials(http)
    _open(page, server, "clock")
    page.once("dialog", lambda dialog: dialog.dismiss())
    page.locator("#reset").click()
    with server.http() as http:
        assert http.get(f"/_twinstack/tenants/{tenant['id']}").status_code == 200
    page.once("dialog", lambda dialog: dialog.accept())
    page.locator("#reset").click()
    expect(page.locator("#clock-result")).to_have_text("State reset.")
    with server.http() as http:
        assert http.get(f"/_twinstack/tenants/{tenant['id']}").status_code == 404
    page.locator("[data-tab=tenants]").click()
    expect(page.locator("#tenants-total")).to_have_text(re.compile(r"^1 tenant$"))
    page.screenshot(path=str(artifacts / "after-reset.png"), full_page=True)
