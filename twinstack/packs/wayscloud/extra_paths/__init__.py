"""Operations the official WAYSCloud clients call that the document does not declare, one module per service.

Each module adds its paths to the parsed copy of the seed (``Pack.patch_document``), as pack operations
with an ``operationId`` and schemas taken from what the clients send and read; they are served, validated
and fuzzed like the document's own. Each declares ``DOCUMENT_PATCHES``; ``seed_fixes`` gathers them.
"""
