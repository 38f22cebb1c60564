"""The pytest plugin as a user meets it: a test module that uses only its fixtures, run by pytest itself."""

from __future__ import annotations

from pathlib import Path

import pytest

from tests.conftest import LiveServer

pytest_plugins = ["pytester"]

USER_TESTS = '''
import httpx


def test_a_tenant_has_working_credentials(twinstack, twinstack_tenant):
    key = twinstack_tenant.credentials["bluelobster"]["api_key"]
    made = httpx.get(twinstack.base_url("bluelobster") + "/api/v1/instances", headers={"X-API-Key": key})
    assert made.status_code == 200, made.text


def test_tenants_are_isolated_between_tests(twinstack, twinstack_tenant):
    other = twinstack.new_tenant()
    assert other.id != twinstack_tenant.id
    assert twinstack.tenant(twinstack_tenant.id).credentials == twinstack_tenant.credentials


def test_the_clock_moves_and_the_journal_shows_calls(twinstack, twinstack_tenant):
    before = twinstack.advance(0)["now"]
    after = twinstack.advance(3600)["now"]
    assert after > before
    key = twinstack_tenant.credentials["bluelobster"]["api_key"]
    httpx.get(twinstack.base_url("bluelobster") + "/api/v1/instances", headers={"X-API-Key": key})
    assert twinstack.requests(service="bluelobster")


def test_the_outbox_is_a_list(twinstack):
    assert isinstance(twinstack.outbox(channel="sms"), list)
'''


def test_a_users_test_module_passes_with_only_the_plugins_fixtures(pytester: pytest.Pytester) -> None:
    pytester.makepyfile(test_user=USER_TESTS)
    result = pytester.runpytest_subprocess("-q", "-p", "no:cacheprovider", "--twinstack-services", "bluelobster",
                                           timeout=240)
    result.assert_outcomes(passed=4)


def test_with_a_url_the_plugin_uses_that_twin(pytester: pytest.Pytester, tmp_path: Path) -> None:
    # A real server in its own process: pytester puts back this process's modules after the test, so a
    # server started here would leave some of its modules imported twice.
    server = LiveServer(tmp_path / "state", ["--services", "bluelobster", "--speed", "instant"])
    server.start()
    try:
        pytester.makepyfile(test_user='''
def test_it_is_the_given_twin(twinstack):
    assert twinstack.url == "%s"
    assert twinstack.health()["services"] == {"bluelobster": "ready"}
''' % server.url)
        result = pytester.runpytest_subprocess("-q", "-p", "no:cacheprovider", "--twinstack-url", server.url,
                                               timeout=120)
    finally:
        server.stop()
    result.assert_outcomes(passed=1)


def test_the_readme_example_passes_as_written(pytester: pytest.Pytester) -> None:
    readme = (Path(__file__).resolve().parents[2] / "README.md").read_text(encoding="utf-8")
    section = readme.split("## Use it in your tests", 1)[1]
    example = section.split("```python", 1)[1].split("```", 1)[0]
    pytester.makepyfile(test_readme=example)
    result = pytester.runpytest_subprocess("-q", "-p", "no:cacheprovider", "--twinstack-services", "wayscloud",
                                           timeout=300)
    result.assert_outcomes(passed=1)
