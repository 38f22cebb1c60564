"""DNS records as the API takes and shows them: validation per type and the zone-file form the server answers.

A record is stored as the API shows it (``name`` relative to the zone, ``@`` at the apex; ``content``
as given, names without a final dot; ``priority`` for MX and SRV only) with ``zone`` and ``fqdn``
beside it for look-ups. Bad input is a ``ValidationFailed`` naming the field ("Invalid format: ...");
the operation's declared bad-input status applies (400 on create, 422 on update, which declares none).
Whatever passes the checks is parsed once more by dnspython, so nothing is stored the server cannot answer.
"""

from __future__ import annotations

import ipaddress
import re
from typing import Any

from twinstack.drivers.dns import Row
from twinstack.errors import FieldIssue, ValidationFailed

TYPES = ("A", "AAAA", "CNAME", "MX", "TXT", "SRV", "NS", "CAA", "PTR")
PRIORITISED = ("MX", "SRV")
DEFAULT_TTL = 3600
TTL_RANGE = (60, 86400)
"""[guess] The TTLs accepted, in seconds."""
APEX = "@"
REVERSE_SUFFIXES = (".in-addr.arpa", ".ip6.arpa")
_LABEL = re.compile(r"^(?!-)[a-z0-9_-]{1,63}(?<!-)$")
_CAA = re.compile(r'^(\d{1,3})\s+([A-Za-z0-9]{1,15})\s+"((?:[^"\\]|\\.)*)"$')
_TXT_CHUNK = 255
_TXT_MAX = 4000


def invalid(field: str, message: str, value: Any = None) -> ValidationFailed:
    return ValidationFailed([FieldIssue("body", (field,), f"Invalid format: {message}", "invalid_format", value)])


def host_of(raw: Any, zone: str) -> str:
    """The record's name relative to ``zone`` (``@`` for the apex), from what the client sent."""
    if raw is None:
        return APEX
    if not isinstance(raw, str):
        raise invalid("host", "host must be a string", raw)
    host = raw.strip().lower()
    if host.endswith("."):
        host = host[:-1]
        if host != zone and not host.endswith("." + zone):
            raise invalid("host", f"{raw} is not inside the zone {zone}", raw)
    if host in ("", APEX, zone):
        return APEX
    if host.endswith("." + zone):
        host = host[: -len(zone) - 1]
    labels = host.split(".")
    if not all(_LABEL.match(label) or (i == 0 and label == "*") for i, label in enumerate(labels)):
        raise invalid("host", f"{raw!r} is not a valid host name", raw)
    if len(host) + len(zone) + 1 > 253:
        raise invalid("host", "the name is longer than 253 characters", raw)
    return host


def fqdn(host: str, zone: str) -> str:
    return zone if host == APEX else f"{host}.{zone}"


def check(rtype: str, host: str, content: Any, ttl: Any, priority: Any, zone: str) -> dict[str, Any]:
    """The stored fields of a valid record (``content`` normalised), or ``ValidationFailed`` naming the field."""
    if rtype not in TYPES:
        raise invalid("record_type", f"record type must be one of {', '.join(TYPES)}", rtype)
    if rtype == "PTR" and not zone.endswith(REVERSE_SUFFIXES):
        raise invalid("record_type", "PTR records belong in reverse zones (in-addr.arpa, ip6.arpa)", rtype)
    if rtype == "CNAME" and host == APEX:
        raise invalid("host", "a CNAME cannot be at the zone apex", host)
    if not isinstance(ttl, int) or isinstance(ttl, bool) or not TTL_RANGE[0] <= ttl <= TTL_RANGE[1]:
        raise invalid("ttl", f"ttl must be between {TTL_RANGE[0]} and {TTL_RANGE[1]} seconds", ttl)
    if rtype in PRIORITISED:
        if priority is None:
            raise invalid("priority", f"{rtype} records need a priority")
        if not isinstance(priority, int) or isinstance(priority, bool) or not 0 <= priority <= 65535:
            raise invalid("priority", "priority must be between 0 and 65535", priority)
    if not isinstance(content, str) or not content.strip():
        raise invalid("record", "the record value must be a non-empty string", content)
    value = _content(rtype, content.strip())
    record: dict[str, Any] = {"type": rtype, "name": host, "content": value, "ttl": ttl}
    if rtype in PRIORITISED:
        record["priority"] = priority
    # dnspython on first use: loading it with the pack costs the start about 60 ms.
    import dns.exception
    import dns.name
    import dns.rdata
    import dns.rdataclass

    try:
        dns.rdata.from_text(dns.rdataclass.IN, rtype, rdata_text(record), origin=dns.name.root, relativize=False)
    except (dns.exception.DNSException, ValueError) as exc:
        raise invalid("record", f"{rtype} value {content!r} does not parse ({exc})", content) from None
    return record


def _content(rtype: str, value: str) -> str:
    if rtype == "A":
        try:
            return str(ipaddress.IPv4Address(value))
        except ValueError:
            raise invalid("record", "an A record needs an IPv4 address", value) from None
    if rtype == "AAAA":
        try:
            return str(ipaddress.IPv6Address(value))
        except ValueError:
            raise invalid("record", "an AAAA record needs an IPv6 address", value) from None
    if rtype in ("CNAME", "MX", "NS", "PTR"):
        return _hostname(value, rtype)
    if rtype == "SRV":
        parts = value.split()
        if len(parts) != 3 or not all(p.isdigit() and int(p) <= 65535 for p in parts[:2]):
            raise invalid("record", 'an SRV value is "weight port target"', value)
        return f"{int(parts[0])} {int(parts[1])} {_hostname(parts[2], rtype) if parts[2] != '.' else '.'}"
    if rtype == "CAA":
        match = _CAA.match(value)
        if match is None or int(match.group(1)) > 255:
            raise invalid("record", 'a CAA value is flags tag "value" (e.g. 0 issue "letsencrypt.org")', value)
        return f'{int(match.group(1))} {match.group(2).lower()} "{match.group(3)}"'
    if len(value.encode("utf-8")) > _TXT_MAX:
        raise invalid("record", f"a TXT value is at most {_TXT_MAX} bytes", value)
    return value


def _hostname(value: str, rtype: str) -> str:
    name = value.lower().rstrip(".")
    labels = name.split(".")
    if len(name) > 253 or len(labels) < 2 or not all(_LABEL.match(label) for label in labels):
        raise invalid("record", f"a {rtype} record needs a host name", value)
    return name


def rdata_text(record: dict[str, Any]) -> str:
    """The record's data in zone-file form with absolute names (what the server parses)."""
    rtype, content = str(record["type"]), str(record["content"])
    if rtype in ("CNAME", "NS", "PTR"):
        return content + "."
    if rtype == "MX":
        return f"{record.get('priority', 0)} {content}."
    if rtype == "SRV":
        weight, port, target = content.split()
        return f"{record.get('priority', 0)} {weight} {port} {target if target == '.' else target + '.'}"
    if rtype == "TXT":
        raw = content.encode("utf-8")
        chunks = [raw[i: i + _TXT_CHUNK] for i in range(0, len(raw), _TXT_CHUNK)] or [b""]
        return " ".join('"' + _escape(chunk) + '"' for chunk in chunks)
    return content


def _escape(chunk: bytes) -> str:
    out = []
    for byte in chunk:
        if byte in (0x22, 0x5C):
            out.append("\\" + chr(byte))
        elif 0x20 <= byte < 0x7F:
            out.append(chr(byte))
        else:
            out.append(f"\\{byte:03d}")
    return "".join(out)


def row(record: dict[str, Any]) -> Row:
    return Row(str(record["type"]), int(record["ttl"]), rdata_text(record))


def public(record: dict[str, Any]) -> dict[str, Any]:
    """The record as ``DNSRecord`` shows it, with ``value`` beside ``content`` (the CLI reads it)."""
    shown: dict[str, Any] = {k: record[k] for k in ("id", "name", "type", "content", "ttl") if k in record}
    if record.get("priority") is not None:
        shown["priority"] = record["priority"]
    shown["value"] = record["content"]
    for extra in ("created_at", "updated_at"):
        if extra in record:
            shown[extra] = record[extra]
    return shown
