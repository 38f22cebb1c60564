"""The S3 protocol of the WAYSCloud twin, served as a raw HTTP mount beside the REST API.

``app`` answers a request (path style under ``/wayscloud-s3``, or the host
``storage.wayscloud.services`` and ``<bucket>.storage.wayscloud.services``),
``sigv4`` checks its signature, ``chunked`` decodes ``aws-chunked`` bodies,
``xml`` writes S3's documents and errors; the operations are in
``bucket_ops``, ``object_ops`` and ``multipart_ops``, the bytes and records in
``twinstack.drivers.objects``.
"""
