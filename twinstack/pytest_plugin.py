"""The pytest plugin, registered by installing twinstack (entry point ``pytest11``).

Fixtures:

- ``twinstack`` (session): the running twin (``twinstack.Twin``), started in this process on a free
  loopback port, or the one at ``--twinstack-url`` / ``TWINSTACK_URL``.
- ``twinstack_tenant`` (function): a fresh isolated tenant (``.id``, ``.credentials[slug]``, and
  ``.twin``, the twin it belongs to).

Options (command line, or ``ini``): ``--twinstack-url``, ``--twinstack-services wayscloud,odin``,
``--twinstack-speed instant|fast|realistic``. The marker ``@pytest.mark.twinstack(services=[...],
speed=...)`` gives a test's ``twinstack_tenant`` a twin started with those settings (one per distinct
choice, shared by the session). Nothing is imported from the server until a fixture is used.
"""

from __future__ import annotations

import os
from collections.abc import Iterator
from typing import Any

import pytest

from twinstack.harness import TenantHandle, Twin


def pytest_addoption(parser: pytest.Parser) -> None:
    group = parser.getgroup("twinstack")
    group.addoption("--twinstack-url", default=None, help="use the twin at this URL instead of starting one [TWINSTACK_URL]")
    group.addoption("--twinstack-services", default=None, help="comma list of services the started twin mounts")
    group.addoption("--twinstack-speed", default=None, help="instant (default), fast or realistic")
    parser.addini("twinstack_services", "comma list of services the started twin mounts", default="")
    parser.addini("twinstack_speed", "lifecycle speed of the started twin", default="instant")


def pytest_configure(config: pytest.Config) -> None:
    config.addinivalue_line("markers", "twinstack(services=None, speed=None): the twin these tests use")


class _Twins:
    """The twins of one session, one per distinct (services, speed), started on first use."""

    def __init__(self, config: pytest.Config) -> None:
        self.url = config.getoption("--twinstack-url") or os.environ.get("TWINSTACK_URL") or None
        services = config.getoption("--twinstack-services") or config.getini("twinstack_services")
        self.services = [s for s in str(services).split(",") if s.strip()] or None
        self.speed = str(config.getoption("--twinstack-speed") or config.getini("twinstack_speed") or "instant")
        self.started: dict[tuple[Any, ...], Twin] = {}

    def get(self, services: list[str] | None, speed: str | None) -> Twin:
        key = (tuple(services) if services else None, speed or self.speed) if self.url is None else ("url",)
        found = self.started.get(key)
        if found is None:
            found = Twin(services=services or self.services, speed=speed or self.speed, url=self.url)
            found.start()
            self.started[key] = found
        return found

    def close(self) -> None:
        for twin in self.started.values():
            twin.stop()
        self.started.clear()


@pytest.fixture(scope="session")
def _twinstack_twins(pytestconfig: pytest.Config) -> Iterator[_Twins]:
    twins = _Twins(pytestconfig)
    yield twins
    twins.close()


@pytest.fixture(scope="session")
def twinstack(_twinstack_twins: _Twins) -> Twin:
    """The session's running twin."""
    return _twinstack_twins.get(None, None)


@pytest.fixture
def twinstack_tenant(request: pytest.FixtureRequest, _twinstack_twins: _Twins) -> TenantHandle:
    """A fresh tenant, isolated from every other test's, of the twin the test's marker chooses."""
    marker = request.node.get_closest_marker("twinstack")
    twin = _twinstack_twins.get(marker.kwargs.get("services") if marker else None,
                                marker.kwargs.get("speed") if marker else None)
    return twin.new_tenant()
