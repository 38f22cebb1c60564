"""Buckets, objects and multipart uploads: their records in the state store, their bytes in ``Blobs``.

Rows (service as given, tenant ``space``, a pseudo-tenant of cloud-wide rows):

- ``s3-buckets``: one per bucket name ever created (names are global and never
  reused), indexed by ``owner`` and ``state`` (``active``/``deleted``);
  object count and bytes are counters (``objects:<service>``, key the bucket).
- ``s3-objects#<bucket>``: one per key; the id is the key's UTF-8 in lowercase
  hex, so listing by prefix and continuing after a key is a seek on the ids'
  order (``Store.by_id_range``), never a read of the bucket.
- ``s3-uploads#<bucket>`` (open multipart uploads) and ``s3-parts#<upload>``
  (id the five-digit part number).

An object's bytes are its ``segments`` (blob, size) in order: one for a plain
put, one per part for a completed multipart upload, which therefore costs no copy.
Bytes a change lets go are deleted only once that change is committed (``release``).
"""

from __future__ import annotations

import base64
import uuid
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from typing import Any

from twinstack.drivers.objects.blobs import BlobWriter, Blobs
from twinstack.drivers.objects.checksums import Digests, checksum_of, multipart_etag
from twinstack.errors import Conflict, NotFound, TwinError
from twinstack.store import Store

BUCKETS = "s3-buckets"
OBJECTS = "s3-objects"
UPLOADS = "s3-uploads"
PARTS = "s3-parts"

INDEXES: dict[str, tuple[str, ...]] = {BUCKETS: ("owner", "state"), UPLOADS: ("key",)}
"""What the catalogue looks rows up by; the pack using it declares these for its service."""

MIN_PART = 5 << 20
"""Every part of a multipart upload but the last must be at least this big."""
MAX_PARTS = 10_000
MAX_KEY_BYTES = 1024
_FIRST_BATCH = 8


class ObjectError(TwinError):
    """A refusal S3 names with a code of its own (``InvalidPart``, ``EntityTooSmall``...)."""

    def __init__(self, code: str, message: str, status: int = 400) -> None:
        super().__init__(message, code=code, status=status)


def key_id(key: str) -> str:
    return key.encode().hex()


def _after(position: str) -> str:
    """The least id greater than ``position`` (ids are hex: nothing sorts between ``x`` and ``x0``)."""
    return position + "0"


def _past_prefix(prefix_id: str) -> str:
    """The least id beyond every id starting with ``prefix_id`` (``g`` sorts after every hex digit)."""
    return prefix_id + "g"


@dataclass(slots=True)
class Listing:
    objects: list[dict[str, Any]]
    prefixes: list[str]
    next_position: str | None
    """Where the next page starts (an id position), None when this one reached the end."""


@dataclass(slots=True)
class PendingWrite:
    """Bytes being written: where they go and what they hash to so far."""

    writer: BlobWriter
    digests: Digests
    blob: str | None = None

    def write(self, chunk: bytes) -> None:
        self.digests.update(chunk)
        self.writer.write(chunk)

    def commit(self) -> str:
        """Make the bytes durable (once; a caller may do it in a thread before ``finish_put``)."""
        if self.blob is None:
            self.blob = self.writer.commit()
        return self.blob


@dataclass(slots=True)
class ObjectCatalog:
    store: Store
    service: str
    space: str
    blobs: Blobs
    clock: Callable[[], float]
    doomed: list[str] = field(default_factory=list)
    """Blobs no record names any more, deleted by ``release`` once that change is committed: a crash before
    the commit brings the old records back, and they still find their bytes."""

    async def release(self) -> None:
        """Delete the doomed blobs, after the commit of the writes that let them go."""
        batch, self.doomed[:] = list(self.doomed), []
        if not batch:
            return
        pending = self.store.committed()
        if pending is not None:
            await pending
        for blob in batch:
            self.blobs.delete(blob)

    # -- rows ----------------------------------------------------------------------------
    def _get(self, collection: str, rid: str) -> dict[str, Any] | None:
        return self.store.get(self.service, self.space, collection, rid)

    def _put(self, collection: str, rid: str, data: dict[str, Any]) -> None:
        self.store.put(self.service, self.space, collection, rid, data, self.clock())

    def _delete(self, collection: str, rid: str) -> bool:
        return self.store.delete(self.service, self.space, collection, rid)

    def _counters(self) -> str:
        return f"objects:{self.service}"

    # -- buckets ---------------------------------------------------------------------------
    def create_bucket(self, name: str, owner: str, **fields: Any) -> dict[str, Any]:
        """A new bucket of ``owner``; Conflict when the name is, or ever was, taken (by anyone)."""
        record = {"name": name, "owner": owner, "state": "active", "created_at": self.clock(), "is_public": False,
                  **fields}
        if not self.store.insert(self.service, self.space, BUCKETS, name, record, self.clock()):
            raise Conflict("Bucket name already taken or was previously used. Choose a different name.",
                           code="BucketAlreadyExists")
        return record

    def bucket(self, name: str) -> dict[str, Any] | None:
        """The active bucket of that name."""
        found = self._get(BUCKETS, name)
        return found if found is not None and found.get("state") == "active" else None

    def name_taken(self, name: str) -> bool:
        return self._get(BUCKETS, name) is not None

    def buckets_of(self, owner: str) -> list[dict[str, Any]]:
        return self.store.find(self.service, self.space, BUCKETS, where={"owner": owner, "state": "active"}).items

    def update_bucket(self, name: str, **fields: Any) -> dict[str, Any]:
        record = self.bucket(name)
        if record is None:
            raise NotFound("Bucket not found")
        record.update(fields)
        self._put(BUCKETS, name, record)
        return record

    def usage(self, name: str) -> tuple[int, int]:
        """``(object count, bytes)`` of a bucket, from its counters."""
        counts = self.store.counters(self._counters(), name)
        return counts.get("objects", 0), counts.get("bytes", 0)

    def delete_bucket(self, name: str) -> None:
        """Conflict unless empty; open uploads go with it. The name stays taken."""
        record = self.bucket(name)
        if record is None:
            raise NotFound("Bucket not found")
        if self.usage(name)[0] > 0:
            raise Conflict("Bucket is not empty. Delete all objects first.", code="BucketNotEmpty")
        for _ in range(MAX_PARTS):
            uploads = self.store.find(self.service, self.space, f"{UPLOADS}#{name}", limit=100).items
            if not uploads:
                break
            for upload in uploads:
                self.abort_upload(name, str(upload["upload_id"]))
        record["state"] = "deleted"
        record["deleted_at"] = self.clock()
        self._put(BUCKETS, name, record)
        self.store.drop_counters(self._counters(), name)

    # -- objects ---------------------------------------------------------------------------
    def begin_write(self, algorithms: tuple[str, ...] = ()) -> PendingWrite:
        return PendingWrite(self.blobs.writer(), Digests(algorithms))

    def get_object(self, bucket: str, key: str) -> dict[str, Any] | None:
        return self._get(f"{OBJECTS}#{bucket}", key_id(key))

    def _store_object(self, bucket: str, key: str, record: dict[str, Any]) -> dict[str, Any]:
        rid = key_id(key)
        collection = f"{OBJECTS}#{bucket}"
        with self.store.transaction():
            old = self._get(collection, rid)
            self._put(collection, rid, record)
            self.store.adjust(self._counters(), bucket, {
                "objects": 0 if old is not None else 1, "bytes": int(record["size"]) - int(old["size"] if old else 0),
            })
        if old is not None:
            self._drop_segments(old)
        return record

    def finish_put(self, bucket: str, key: str, pending: PendingWrite, *, content_type: str,
                   metadata: dict[str, str], checksums: tuple[str, ...] = (),
                   extra: dict[str, Any] | None = None) -> dict[str, Any]:
        """Commit the bytes and make them the object ``key`` (replacing any); the old bytes are dropped."""
        blob = pending.commit()
        digests = pending.digests
        record = {
            "key": key, "size": digests.size, "etag": digests.md5.hexdigest(), "content_type": content_type,
            "metadata": metadata, "last_modified": self.clock(), "segments": [[blob, digests.size]],
            "checksums": {a: digests.checksum(a) for a in checksums}, "checksum_type": "FULL_OBJECT",
            **(extra or {}),
        }
        return self._store_object(bucket, key, record)

    def delete_object(self, bucket: str, key: str) -> bool:
        rid = key_id(key)
        collection = f"{OBJECTS}#{bucket}"
        with self.store.transaction():
            old = self._get(collection, rid)
            if old is None:
                return False
            self._delete(collection, rid)
            self.store.adjust(self._counters(), bucket, {"objects": -1, "bytes": -int(old["size"])})
        self._drop_segments(old)
        return True

    def _drop_segments(self, record: dict[str, Any]) -> None:
        for blob, _size in record.get("segments") or ():
            self.doomed.append(str(blob))

    def has_bytes(self, record: dict[str, Any]) -> bool:
        """Whether every byte of the object is here (a state imported without its bytes names some that are not)."""
        return all(int(size) == 0 or self.blobs.exists(str(blob)) for blob, size in record.get("segments") or ())

    def read(self, record: dict[str, Any], start: int = 0, stop: int | None = None) -> Iterator[bytes]:
        """Bytes ``start``..``stop`` (exclusive) of an object, chunk by chunk across its segments."""
        stop = int(record["size"]) if stop is None else stop
        offset = 0
        for blob, size in record.get("segments") or ():
            first, last = max(start, offset), min(stop, offset + int(size))
            if first < last:
                yield from self.blobs.read(str(blob), first - offset, last - offset)
            offset += int(size)
            if offset >= stop:
                return

    def list_objects(self, bucket: str, *, prefix: str = "", delimiter: str = "", position: str = "",
                     max_keys: int = 1000) -> Listing:
        """Keys under ``prefix`` in key order from ``position`` (an id position, inclusive), keys sharing the part
        up to ``delimiter`` folded into one prefix, at most ``max_keys`` entries in all."""
        collection = f"{OBJECTS}#{bucket}"
        prefix_id = key_id(prefix)
        low = max(prefix_id, position)
        high = _past_prefix(prefix_id) if prefix else None
        objects: list[dict[str, Any]] = []
        prefixes: list[str] = []
        # With a delimiter, a batch read past a folded prefix is wasted, so batches start small and
        # grow while no prefix interrupts them. Each turn takes a batch of keys or jumps past one
        # folded prefix: at most max_keys + 1 turns.
        batch = _FIRST_BATCH if delimiter else max_keys
        for _ in range(max_keys + 1):
            room = max_keys - len(objects) - len(prefixes)
            if room <= 0:
                break
            want = min(room, batch)
            rows = self.store.by_id_range(self.service, self.space, collection, low=low, high=high, limit=want)
            if not rows:
                return Listing(objects, prefixes, None)
            for rid, record in rows:
                key = str(record["key"])
                cut = key.find(delimiter, len(prefix)) if delimiter else -1
                if cut >= 0:
                    folded = key[: cut + len(delimiter)]
                    prefixes.append(folded)
                    low = _past_prefix(key_id(folded))
                    batch = _FIRST_BATCH
                    break
                objects.append(record)
                low = _after(rid)
            else:
                if len(rows) < want:
                    return Listing(objects, prefixes, None)
                batch *= 2
        more = self.store.by_id_range(self.service, self.space, collection, low=low, high=high, limit=1)
        return Listing(objects, prefixes, low if more else None)

    # -- multipart ---------------------------------------------------------------------------
    def create_upload(self, bucket: str, key: str, *, content_type: str, metadata: dict[str, str],
                      algorithm: str | None = None) -> dict[str, Any]:
        upload_id = uuid.uuid4().hex + uuid.uuid4().hex
        record = {"upload_id": upload_id, "bucket": bucket, "key": key, "content_type": content_type,
                  "metadata": metadata, "algorithm": algorithm, "initiated": self.clock()}
        self._put(f"{UPLOADS}#{bucket}", upload_id, record)
        return record

    def upload(self, bucket: str, upload_id: str, key: str | None = None) -> dict[str, Any]:
        found = self._get(f"{UPLOADS}#{bucket}", upload_id)
        if found is None or (key is not None and found["key"] != key):
            raise ObjectError("NoSuchUpload", "The specified upload does not exist. The upload ID may be invalid, "
                              "or the upload may have been aborted or completed.", 404)
        return found

    def list_uploads(self, bucket: str, limit: int = 1000) -> list[dict[str, Any]]:
        return self.store.find(self.service, self.space, f"{UPLOADS}#{bucket}", limit=limit).items

    def put_part(self, bucket: str, upload_id: str, number: int, pending: PendingWrite,
                 checksums: tuple[str, ...] = ()) -> dict[str, Any]:
        blob = pending.commit()
        digests = pending.digests
        record = {"part_number": number, "etag": digests.md5.hexdigest(), "size": digests.size, "blob": blob,
                  "last_modified": self.clock(), "checksums": {a: digests.checksum(a) for a in checksums}}
        rid = f"{number:05d}"
        collection = f"{PARTS}#{upload_id}"
        old = self._get(collection, rid)
        self._put(collection, rid, record)
        if old is not None:
            self.doomed.append(str(old["blob"]))
        return record

    def list_parts(self, upload_id: str, after: int = 0, limit: int = 1000) -> tuple[list[dict[str, Any]], bool]:
        """Parts numbered above ``after``, at most ``limit``, and whether more follow."""
        rows = self.store.by_id_range(self.service, self.space, f"{PARTS}#{upload_id}", low=f"{after + 1:05d}",
                                      limit=limit + 1)
        return [r for _, r in rows[:limit]], len(rows) > limit

    def _drop_parts(self, upload_id: str, keep: set[str]) -> None:
        collection = f"{PARTS}#{upload_id}"
        low = ""
        for _ in range(MAX_PARTS // 500 + 2):
            rows = self.store.by_id_range(self.service, self.space, collection, low=low, limit=500)
            if not rows:
                return
            for rid, record in rows:
                self._delete(collection, rid)
                if str(record["blob"]) not in keep:
                    self.doomed.append(str(record["blob"]))
            low = _after(rows[-1][0])

    def complete_upload(self, bucket: str, upload_id: str, key: str, chosen: list[tuple[int, str]]) -> dict[str, Any]:
        """The object made of the ``chosen`` parts (number, ETag), in ascending order; S3's errors otherwise."""
        upload = self.upload(bucket, upload_id, key)
        if not chosen:
            raise ObjectError("MalformedXML", "You must specify at least one part.")
        numbers = [n for n, _ in chosen]
        if numbers != sorted(set(numbers)):
            raise ObjectError("InvalidPartOrder", "The list of parts was not in ascending order.")
        stored = self.store.get_many(self.service, self.space, f"{PARTS}#{upload_id}", [f"{n:05d}" for n in numbers])
        parts = []
        for n, etag in chosen:
            part = stored.get(f"{n:05d}")
            if part is None or part["etag"] != etag.strip().strip('"'):
                raise ObjectError("InvalidPart", f"One or more of the specified parts could not be found (part {n}).")
            parts.append(part)
        for part in parts[:-1]:
            if int(part["size"]) < MIN_PART:
                raise ObjectError("EntityTooSmall", "Your proposed upload is smaller than the minimum allowed size.")
        algorithm = upload.get("algorithm")
        checksums: dict[str, str] = {}
        if algorithm and all(algorithm in p.get("checksums", {}) for p in parts):
            joined = b"".join(base64.b64decode(p["checksums"][algorithm]) for p in parts)
            checksums[algorithm] = f"{checksum_of(algorithm, joined)}-{len(parts)}"
        size = sum(int(p["size"]) for p in parts)
        record = {
            "key": key, "size": size, "etag": multipart_etag(str(p["etag"]) for p in parts),
            "content_type": upload["content_type"], "metadata": upload["metadata"], "last_modified": self.clock(),
            "segments": [[p["blob"], p["size"]] for p in parts], "checksums": checksums,
            "checksum_type": "COMPOSITE", "parts": len(parts),
        }
        self._store_object(bucket, key, record)
        self._drop_parts(upload_id, {str(p["blob"]) for p in parts})
        self._delete(f"{UPLOADS}#{bucket}", upload_id)
        return record

    def abort_upload(self, bucket: str, upload_id: str) -> None:
        self.upload(bucket, upload_id)
        self._drop_parts(upload_id, set())
        self._delete(f"{UPLOADS}#{bucket}", upload_id)
