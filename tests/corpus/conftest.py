"""One ``twinstack serve`` holding every corpus document (and no built-in service), shared by the corpus tests."""

from __future__ import annotations

from collections.abc import Iterator

import pytest

from tests.conftest import LiveServer
from tests.corpus.documents import DOCUMENTS


@pytest.fixture(scope="session")
def corpus_server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[LiveServer]:
    specs = [arg for target in DOCUMENTS.values() for arg in ("--spec", target.spec_argument())]
    server = LiveServer(tmp_path_factory.mktemp("corpus") / "state",
                        ["--speed", "instant", "--strict", "--services", "", *specs])
    server.start()
    try:
        yield server
    finally:
        server.stop()
