"""S3's XML documents, written and read with the standard library's ElementTree."""

from __future__ import annotations

import time
import xml.etree.ElementTree as ET
from email.utils import formatdate
from typing import Any

from twinstack.packs.wayscloud.s3.errors import S3Error

NS = "http://s3.amazonaws.com/doc/2006-03-01/"
MAX_XML_BODY = 2 << 20
"""A request's XML document (DeleteObjects, CompleteMultipartUpload) may be at most this big."""


def element(tag: str, *children: ET.Element | None, **values: Any) -> ET.Element:
    """``<tag>`` holding ``children`` then one child per keyword (``None`` values left out, lists repeated)."""
    node = ET.Element(tag)
    for child in children:
        if child is not None:
            node.append(child)
    for name, value in values.items():
        for item in value if isinstance(value, list) else [value]:
            if item is None:
                continue
            if isinstance(item, ET.Element):
                node.append(item)
                continue
            sub = ET.SubElement(node, name)
            sub.text = ("true" if item else "false") if isinstance(item, bool) else str(item)
    return node


def document(root: ET.Element) -> bytes:
    root.set("xmlns", NS)
    return b'<?xml version="1.0" encoding="UTF-8"?>\n' + bytes(ET.tostring(root, encoding="utf-8"))


def error_document(error: S3Error, resource: str, request_id: str) -> bytes:
    root = element("Error", Code=error.code, Message=error.message, **error.extra, Resource=resource,
                   RequestId=request_id)
    return b'<?xml version="1.0" encoding="UTF-8"?>\n' + bytes(ET.tostring(root, encoding="utf-8"))


def iso(seconds: float) -> str:
    """S3's timestamp in documents: ``2024-01-20T09:00:00.000Z``."""
    whole = int(seconds)
    return time.strftime("%Y-%m-%dT%H:%M:%S", time.gmtime(whole)) + f".{int((seconds - whole) * 1000):03d}Z"


def http_date(seconds: float) -> str:
    return formatdate(seconds, usegmt=True)


def parse(body: bytes) -> ET.Element:
    """A request's XML document, namespaces dropped from tag names; MalformedXML when it is not one."""
    try:
        root = ET.fromstring(body)
    except ET.ParseError as exc:
        raise S3Error("MalformedXML", f"The XML you provided was not well-formed: {exc}") from None
    for node in root.iter():
        if isinstance(node.tag, str) and "}" in node.tag:
            node.tag = node.tag.split("}", 1)[1]
    return root


def text(node: ET.Element, tag: str) -> str | None:
    found = node.find(tag)
    return found.text if found is not None and found.text is not None else None
