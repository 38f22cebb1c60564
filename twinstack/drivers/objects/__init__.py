"""Object storage (S3 semantics) with no HTTP in it: buckets, objects, multipart uploads, ETags and checksums.

Metadata are rows of the state store (``catalog``); bytes stream to files
under the data dir, or to chunks in PostgreSQL when the state is there, so
that every server sharing it reads them (``blobs``). See README.md.
"""

from twinstack.drivers.objects.blobs import Blobs, DiskBlobs, PostgresBlobs, open_blobs
from twinstack.drivers.objects.catalog import INDEXES, Listing, ObjectCatalog, ObjectError, PendingWrite, key_id
from twinstack.drivers.objects.checksums import ALGORITHMS, Digests

__all__ = [
    "ALGORITHMS", "Blobs", "Digests", "DiskBlobs", "INDEXES", "Listing", "ObjectCatalog", "ObjectError",
    "PendingWrite", "PostgresBlobs", "key_id", "open_blobs",
]
