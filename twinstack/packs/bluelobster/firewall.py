"""An instance's firewall: options, rules by 0-based position, and what they let through.

New instances start as Proxmox does: disabled, inbound ``DROP``, outbound
``ACCEPT``, no rules. Rules are evaluated in order, first match wins, else
the direction's policy; a disabled firewall lets everything through.
``would_accept`` is that evaluation, so the rules mean something: the
``/_twinstack/bluelobster/firewall/probe`` control asks it about a packet.

The document types every rule field as a free string and lists the values in
prose (directions ``in``/``out``, actions ``ACCEPT``/``DROP``/``REJECT``, ports
``22``, ``80,443`` or ``8000:9000``), so those are checked here and refused
with its 400 ``invalid_rule``. A new rule is appended, so positions follow the
order rules were added in; deleting one moves the later ones up.
"""

from __future__ import annotations

import ipaddress
from typing import Any

from twinstack.errors import FieldIssue, NotFound, TwinError, ValidationFailed
from twinstack.packs.bluelobster.records import Record

POLICIES = ("ACCEPT", "DROP")
DIRECTIONS = ("in", "out")
ACTIONS = ("ACCEPT", "DROP", "REJECT")
PROTOCOLS = ("tcp", "udp", "icmp", "icmpv6", "sctp", "gre", "esp", "ah")
PORTED = ("tcp", "udp")
"""Protocols whose rules may name ports (as Proxmox allows)."""
DEFAULT_PROTO = "tcp"
"""The prose's default protocol, applied to a rule that names ports; a rule without ports matches every protocol."""
_RULE_FIELDS = ("type", "action", "proto", "dport", "sport", "source", "dest", "comment", "enable")


def initial() -> Record:
    return {"enabled": False, "policy_in": "DROP", "policy_out": "ACCEPT", "rules": []}


def of(instance: Record) -> Record:
    found = instance.get("_firewall")
    return found if isinstance(found, dict) else initial()


def status(firewall: Record) -> dict[str, Any]:
    """``FirewallStatus``: options and every rule with its position."""
    return {"enabled": bool(firewall["enabled"]), "policy_in": firewall["policy_in"],
            "policy_out": firewall["policy_out"], "rules": [rule_view(firewall, pos) for pos in range(len(firewall["rules"]))]}


def rule_view(firewall: Record, pos: int) -> dict[str, Any]:
    rules = firewall["rules"]
    if not 0 <= pos < len(rules):
        raise NotFound(f"Rule at position {pos} not found", code="rule_not_found", field="pos")
    return {"pos": pos, **rules[pos]}


def set_options(firewall: Record, body: dict[str, Any]) -> Record:
    """Apply ``FirewallOptions`` (each field optional); a policy other than ACCEPT/DROP is a 422 (no 400 declared)."""
    issues = [
        FieldIssue("body", (name,), f"Input should be {' or '.join(repr(p) for p in POLICIES)}", "enum",
                   body[name], {"options": list(POLICIES)})
        for name in ("policy_in", "policy_out") if body.get(name) is not None and body[name] not in POLICIES
    ]
    if issues:
        raise ValidationFailed(issues)
    if body.get("enable") is not None:
        firewall["enabled"] = bool(body["enable"])
    for name in ("policy_in", "policy_out"):
        if body.get(name) is not None:
            firewall[name] = body[name]
    return firewall


def new_rule(body: dict[str, Any]) -> Record:
    """A rule from ``FirewallRule``, or 400 ``invalid_rule`` saying what is wrong."""
    rule = {k: body[k] for k in _RULE_FIELDS if body.get(k) is not None}
    if rule["type"] not in DIRECTIONS:
        _invalid("Invalid rule type: must be 'in' or 'out'", "type")
    if rule["action"] not in ACTIONS:
        _invalid("Invalid action: must be ACCEPT, DROP or REJECT", "action")
    if "proto" not in rule and ("dport" in rule or "sport" in rule):
        rule["proto"] = DEFAULT_PROTO
    if "proto" in rule and rule["proto"] not in PROTOCOLS:
        _invalid(f"Invalid protocol: must be one of {', '.join(PROTOCOLS)}", "proto")
    for name in ("dport", "sport"):
        if name in rule:
            if rule["proto"] not in PORTED:
                _invalid("Ports can only be used with protocol tcp or udp", name)
            if port_ranges(str(rule[name])) is None:
                _invalid("Invalid port format: must be 1-65535", name)
    for name in ("source", "dest"):
        if name in rule and _network(str(rule[name])) is None:
            _invalid(f"Invalid {name} address: must be an IP address or CIDR", name)
    rule.setdefault("enable", 1)
    if rule["enable"] not in (0, 1):
        _invalid("Invalid enable value: must be 0 or 1", "enable")
    return rule


def port_ranges(text: str) -> list[tuple[int, int]] | None:
    """``22``, ``80,443`` or ``8000:9000`` as inclusive ranges; None when malformed or outside 1-65535."""
    ranges: list[tuple[int, int]] = []
    for part in text.split(","):
        low_text, _, high_text = part.strip().partition(":")
        if not _digits(low_text) or (high_text and not _digits(high_text)):
            return None
        low, high = int(low_text), int(high_text or low_text)
        if not 1 <= low <= high <= 65535:
            return None
        ranges.append((low, high))
    return ranges


def would_accept(firewall: Record, direction: str, proto: str, port: int | None, remote: str) -> bool:
    """Whether a packet gets through: ``remote`` is its source inbound, its destination outbound."""
    if not firewall["enabled"]:
        return True
    for rule in firewall["rules"]:
        if rule.get("enable", 1) and rule["type"] == direction and _matches(rule, direction, proto, port, remote):
            return bool(rule["action"] == "ACCEPT")
    return bool(firewall["policy_in" if direction == "in" else "policy_out"] == "ACCEPT")


def _matches(rule: Record, direction: str, proto: str, port: int | None, remote: str) -> bool:
    if "proto" in rule and rule["proto"] != proto:
        return False
    if "dport" in rule and (port is None or not any(lo <= port <= hi for lo, hi in port_ranges(rule["dport"]) or [])):
        return False
    peer_field = "source" if direction == "in" else "dest"
    if peer_field in rule:
        network = _network(str(rule[peer_field]))
        try:
            return network is not None and ipaddress.ip_address(remote) in network
        except ValueError:
            return False
    return True


def _digits(text: str) -> bool:
    """ASCII digits only: ``str.isdigit`` also says yes to ``²``, which ``int`` refuses."""
    return text.isascii() and text.isdigit()


def _network(text: str) -> ipaddress.IPv4Network | ipaddress.IPv6Network | None:
    try:
        return ipaddress.ip_network(text, strict=False)
    except ValueError:
        return None


def _invalid(message: str, field: str) -> None:
    raise TwinError(message, code="invalid_rule", status=400, field=field, details={"field": field})
