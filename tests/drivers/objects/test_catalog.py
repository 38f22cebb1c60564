"""The object driver on a real store: key-ordered listings read only what they answer, counters, multipart."""

from __future__ import annotations

import hashlib
import os
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from twinstack.drivers.objects import INDEXES, DiskBlobs, ObjectCatalog, ObjectError, PostgresBlobs
from twinstack.drivers.objects.blobs import CHUNK
from twinstack.store import Store
from twinstack.store.postgres import PostgresStore
from twinstack.store.sqlite import SqliteStore
from tests.store.pg import scratch_database


class CountingStore:
    """The store, counting the rows ``by_id_range`` hands back (listings must read no more than they answer)."""

    def __init__(self, store: Store) -> None:
        self.store = store
        self.rows = 0

    def __getattr__(self, name: str) -> Any:
        return getattr(self.store, name)

    def by_id_range(self, *args: Any, **kwargs: Any) -> Any:
        found = self.store.by_id_range(*args, **kwargs)
        self.rows += len(found)
        return found


@pytest.fixture(params=["sqlite", pytest.param("postgres", marks=pytest.mark.postgres)])
def catalog(request: pytest.FixtureRequest, tmp_path: Path) -> Iterator[ObjectCatalog]:
    if request.param == "sqlite":
        store: Store = SqliteStore(tmp_path / "state.db")
        store.declare_indexes("svc", INDEXES)
        yield ObjectCatalog(store, "svc", "_shared", DiskBlobs(tmp_path / "blobs"), lambda: 1_700_000_000.0)
        store.close()
        return
    with scratch_database("twinstack_objects") as url:
        store = PostgresStore(url)
        store.declare_indexes("svc", INDEXES)
        yield ObjectCatalog(store, "svc", "_shared", PostgresBlobs(url), lambda: 1_700_000_000.0)
        store.close()


def put(catalog: ObjectCatalog, bucket: str, key: str, data: bytes) -> dict[str, Any]:
    pending = catalog.begin_write(("CRC32",))
    for start in range(0, len(data), 7000):
        pending.write(data[start: start + 7000])
    return catalog.finish_put(bucket, key, pending, content_type="application/octet-stream", metadata={},
                              checksums=("CRC32",))


def read(catalog: ObjectCatalog, bucket: str, key: str, start: int = 0, stop: int | None = None) -> bytes:
    record = catalog.get_object(bucket, key)
    assert record is not None
    return b"".join(catalog.read(record, start, stop))


def test_listing_pages_in_key_order_and_reads_only_its_page(catalog: ObjectCatalog) -> None:
    catalog.create_bucket("b", "tenant-1")
    keys = [f"logs/{n:04d}" for n in range(300)] + ["a", "z/1", "z/2", "ä", "logs0"]
    for key in reversed(keys):
        put(catalog, "b", key, key.encode())
    counting = CountingStore(catalog.store)
    spied = ObjectCatalog(counting, catalog.service, catalog.space,  # type: ignore[arg-type]
                          catalog.blobs, catalog.clock)
    seen: list[str] = []
    position = ""
    for _ in range(100):
        before = counting.rows
        page = spied.list_objects("b", prefix="logs/", position=position, max_keys=25)
        assert counting.rows - before <= 26  # the page and one look past it
        seen += [o["key"] for o in page.objects]
        if page.next_position is None:
            break
        position = page.next_position
    assert seen == sorted(k for k in keys if k.startswith("logs/"))
    top = spied.list_objects("b", delimiter="/")
    assert [o["key"] for o in top.objects] == ["a", "logs0", "ä"] and top.prefixes == ["logs/", "z/"]
    before = counting.rows
    spied.list_objects("b", delimiter="/")
    assert counting.rows - before < 30  # the 300 keys under logs/ are jumped over, not read


def test_counters_follow_puts_replacements_and_deletes(catalog: ObjectCatalog) -> None:
    catalog.create_bucket("c", "tenant-1")
    put(catalog, "c", "one", b"x" * 10)
    put(catalog, "c", "two", b"y" * 5)
    put(catalog, "c", "one", b"z" * 3)
    assert catalog.usage("c") == (2, 8)
    assert catalog.delete_object("c", "two") and not catalog.delete_object("c", "two")
    assert catalog.usage("c") == (1, 3)
    with pytest.raises(Exception) as refused:
        catalog.delete_bucket("c")
    assert getattr(refused.value, "status", None) == 409
    catalog.delete_object("c", "one")
    catalog.delete_bucket("c")
    assert catalog.bucket("c") is None and catalog.name_taken("c")


def test_bytes_round_trip_across_chunks_and_ranges(catalog: ObjectCatalog) -> None:
    catalog.create_bucket("d", "tenant-1")
    data = os.urandom(2 * CHUNK + 12345)
    record = put(catalog, "d", "big", data)
    assert record["etag"] == hashlib.md5(data).hexdigest()
    assert read(catalog, "d", "big") == data
    assert read(catalog, "d", "big", CHUNK - 3, CHUNK + 5) == data[CHUNK - 3: CHUNK + 5]
    assert read(catalog, "d", "big", 2 * CHUNK) == data[2 * CHUNK:]


def test_multipart_segments_etag_and_abort(catalog: ObjectCatalog) -> None:
    catalog.create_bucket("m", "tenant-1")
    upload = catalog.create_upload("m", "k", content_type="text/plain", metadata={"a": "b"})
    parts = [os.urandom(5 << 20), os.urandom(1000)]
    etags = []
    for n, data in enumerate(parts, 1):
        pending = catalog.begin_write()
        pending.write(data)
        etags.append(catalog.put_part("m", upload["upload_id"], n, pending)["etag"])
    listed, more = catalog.list_parts(upload["upload_id"], limit=1)
    assert [p["part_number"] for p in listed] == [1] and more
    with pytest.raises(ObjectError):
        catalog.complete_upload("m", upload["upload_id"], "k", [(2, etags[1]), (1, etags[0])])
    record = catalog.complete_upload("m", upload["upload_id"], "k", list(zip([1, 2], etags)))
    digest = hashlib.md5(b"".join(bytes.fromhex(e) for e in etags)).hexdigest()
    assert record["etag"] == f"{digest}-2"
    assert read(catalog, "m", "k") == b"".join(parts)
    assert read(catalog, "m", "k", (5 << 20) - 2, (5 << 20) + 2) == b"".join(parts)[(5 << 20) - 2: (5 << 20) + 2]
    gone = catalog.create_upload("m", "g", content_type="x", metadata={})
    pending = catalog.begin_write()
    pending.write(b"abc")
    catalog.put_part("m", gone["upload_id"], 1, pending)
    catalog.abort_upload("m", gone["upload_id"])
    assert catalog.list_parts(gone["upload_id"]) == ([], False)
    with pytest.raises(ObjectError):
        catalog.upload("m", gone["upload_id"])
