"""An XML request body read into the value its schema describes, by the OpenAPI ``xml`` object.

Each property is a child element (named by its ``xml.name``, else the property's name) or, with
``xml.attribute``, an attribute of the element; an array property is its repeated item elements,
inside a wrapper element when ``xml.wrapped``. Text is turned into the declared type (integer,
number, boolean); what does not convert stays text, so validation names the field. Elements the
schema does not name are kept under their own names, so ``additionalProperties: false`` refuses
them. The standard library parser resolves no external entities, and its expat refuses the
exponential entity expansions of a "billion laughs" body.
"""

from __future__ import annotations

import xml.etree.ElementTree as ET
from typing import Any

from twinstack.errors import FieldIssue, ValidationFailed

_MAX_DEPTH = 32


def read_xml(raw: bytes, schema: Any, resolve: Any) -> Any:
    try:
        root = ET.fromstring(raw)
    except ET.ParseError as exc:
        raise ValidationFailed([FieldIssue("body", (), f"Invalid XML: {exc}", "xml_invalid", raw[:200])]) from None
    return _value(root, _resolved(schema, resolve), resolve, 0)


def _resolved(schema: Any, resolve: Any) -> dict[str, Any]:
    if not isinstance(schema, dict):
        return {}
    found = resolve(schema) if resolve is not None else schema
    if not isinstance(found, dict):
        return {}
    if "allOf" in found and "properties" not in found:
        merged: dict[str, Any] = {"type": "object", "properties": {}}
        for part in found["allOf"]:
            merged["properties"].update(_resolved(part, resolve).get("properties") or {})
        return merged
    return found


def _local(tag: str) -> str:
    """An element's name without its namespace."""
    return tag.rsplit("}", 1)[-1]


def _kind(schema: dict[str, Any], element: ET.Element) -> str:
    kind = schema.get("type")
    if isinstance(kind, list):
        kind = next((k for k in kind if k != "null"), None)
    if isinstance(kind, str):
        return kind
    if "properties" in schema or len(element):
        return "object"
    return "string"


def _value(element: ET.Element, schema: dict[str, Any], resolve: Any, depth: int) -> Any:
    if depth > _MAX_DEPTH:
        raise ValidationFailed([FieldIssue("body", (), "XML nested too deeply", "xml_invalid")])
    kind = _kind(schema, element)
    if kind == "object":
        if not len(element) and not element.attrib and (element.text or "").strip():
            # Text where an object is declared stays text, so validation refuses it.
            return element.text
        return _object(element, schema, resolve, depth)
    if kind == "array":
        item = _resolved(schema.get("items"), resolve)
        return [_value(child, item, resolve, depth + 1) for child in element]
    return scalar(element.text or "", kind)


def _object(element: ET.Element, schema: dict[str, Any], resolve: Any, depth: int) -> dict[str, Any]:
    props: dict[str, Any] = schema.get("properties") or {}
    out: dict[str, Any] = {}
    by_element: dict[str, tuple[str, dict[str, Any]]] = {}
    for name, raw_sub in props.items():
        sub = _resolved(raw_sub, resolve)
        xml = raw_sub.get("xml") if isinstance(raw_sub, dict) and isinstance(raw_sub.get("xml"), dict) else sub.get("xml")
        xml = xml if isinstance(xml, dict) else {}
        tag = str(xml.get("name") or name)
        if xml.get("attribute"):
            if tag in element.attrib:
                out[name] = scalar(element.attrib[tag], _kind(sub, element))
            continue
        if _kind(sub, element) == "array" and not xml.get("wrapped"):
            item = _resolved(sub.get("items"), resolve)
            item_xml = item.get("xml")
            item_tag = str(item_xml.get("name") or tag) if isinstance(item_xml, dict) else tag
            by_element[item_tag] = (name, {"_repeated": item})
            continue
        by_element[tag] = (name, sub)
    for child in element:
        tag = _local(child.tag)
        name, sub = by_element.get(tag, (tag, {}))
        if "_repeated" in sub:
            values = out.setdefault(name, [])
            if isinstance(values, list):
                values.append(_value(child, sub["_repeated"], resolve, depth + 1))
            continue
        out[name] = _value(child, sub, resolve, depth + 1)
    return out


def scalar(text: str, kind: str) -> Any:
    """Text (of an element, a form field) as the scalar type its schema declares; text when it is not one."""
    value = text.strip()
    try:
        if kind == "integer":
            return int(value)
        if kind == "number":
            return float(value)
    except ValueError:
        return text
    if kind == "boolean" and value.lower() in ("true", "false"):
        return value.lower() == "true"
    if kind == "null" and value == "":
        return None
    return text
