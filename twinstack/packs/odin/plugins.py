"""The plugin catalogue, a project's plugin instances, and the plugins themselves, run on events.

The catalogue is global and fixed; ids are UUIDv5 of the slug, so they are the
same everywhere. Plugins really run, offline and deterministically:

- ``profanity-filter`` (on ``message.created``): whole words, ignoring case,
  from a built-in list (each word with a weight) and the instance's
  ``blockedWords`` (weight 1); matches weighing at least ``threshold`` make a
  ``profanity`` annotation ``{matches, severity}``;
- ``sentiment`` (on ``message.created``): a small lexicon gives a score in
  -1..1 and a label;
- ``session-summary`` and ``action-items`` (when a session ends, or on
  ``regenerate-summary``): an extractive summary (speakers, message counts,
  duration, salient lines) and the lines that promise work ("I'll", "we
  should", "todo", "let's").
"""

from __future__ import annotations

import re
import uuid
from datetime import datetime
from typing import Any

from twinstack.engine.twin import Twin
from twinstack.errors import FieldIssue
from twinstack.packs.odin.annotations import annotate_message, annotate_session

INSTANCES = "plugin-instances"
INSTANCE_INDEXES: dict[str, tuple[str, ...]] = {INSTANCES: ("projectId", "pluginId")}
_NS = uuid.UUID("6f1c2a4e-4b1d-4c8e-9a57-0d1e2f3a4b5c")


def _plugin(slug: str, **fields: Any) -> dict[str, Any]:
    return {"id": str(uuid.uuid5(_NS, slug)), "slug": slug, "version": "1.0.0", "isActive": True, **fields}


CATALOG: tuple[dict[str, Any], ...] = (
    _plugin("profanity-filter", name="Profanity Filter", category="moderation", events=["message.created"],
            description="Flags blocked words in transcribed messages.", outputAnnotationType="profanity",
            icon="shield", settingsSchema=[
                {"key": "blockedWords", "type": "chips", "label": "Blocked words", "required": False, "default": [],
                 "description": "Words flagged in addition to the built-in list"},
                {"key": "threshold", "type": "number", "label": "Threshold", "required": False, "default": 0.3,
                 "validation": {"min": 0, "max": 1}, "description": "Lowest word weight (0-1) that is flagged"},
            ]),
    _plugin("sentiment", name="Sentiment Analysis", category="analytics", events=["message.created"],
            description="Scores the tone of each message.", outputAnnotationType="sentiment", icon="smile",
            settingsSchema=[]),
    _plugin("session-summary", name="Session Summary", category="automation", events=["session.updated"],
            description="Summarises a session when it ends.", outputAnnotationType="summary", icon="file-text",
            productSlug="amanda", pricingUrl="https://www.4players.io/odin/pricing/",
            settingsSchema=[{"key": "maxHighlights", "type": "number", "label": "Highlights", "required": False,
                             "default": 5, "validation": {"min": 1, "max": 20}}]),
    _plugin("action-items", name="Action Items", category="automation", events=["session.updated"],
            description="Collects the action items spoken in a session.", outputAnnotationType="action_items",
            icon="check-square", settingsSchema=[]),
)
BY_SLUG = {p["slug"]: p for p in CATALOG}
BY_ID = {p["id"]: p for p in CATALOG}
ACTIONS: dict[str, list[dict[str, Any]]] = {
    "session-summary": [{"id": "generate-minutes", "label": "Generate minutes", "icon": "download",
                         "endpointPath": "minutes", "method": "POST", "type": "download"}],
}

PROFANITY: dict[str, float] = {
    "fuck": 1.0, "fucking": 1.0, "shit": 0.9, "bitch": 0.9, "asshole": 0.9, "bastard": 0.8, "dick": 0.7,
    "damn": 0.4, "crap": 0.4, "bloody": 0.3, "idiot": 0.5, "stupid": 0.3,
}
POSITIVE = frozenset(["good", "great", "love", "like", "nice", "thanks", "thank", "awesome", "happy", "excellent", "fun", "cool", "glad", "well", "win"])
NEGATIVE = frozenset(["bad", "hate", "terrible", "awful", "sad", "angry", "worse", "worst", "lag", "broken", "annoying", "lose", "lost", "stupid"])
_WORD = re.compile(r"[\w']+")
_ACTION = re.compile(r"\b(i'll|i will|we should|we need to|todo|to do|let's|lets|action item)\b", re.IGNORECASE)


def find_plugin(ref: str) -> dict[str, Any] | None:
    """A catalogue entry by UUID or slug."""
    return BY_ID.get(ref) or BY_SLUG.get(ref)


def plugin_view(plugin: dict[str, Any]) -> dict[str, Any]:
    return dict(plugin)


def settings_issues(plugin: dict[str, Any], settings: dict[str, Any]) -> list[FieldIssue]:
    """What is wrong with ``settings`` for the plugin's ``settingsSchema`` (unknown keys are refused)."""
    issues: list[FieldIssue] = []
    fields = {f["key"]: f for f in plugin.get("settingsSchema", [])}
    for key, given in settings.items():
        if key not in fields:
            issues.append(FieldIssue("body", ("settings", key), f"settings.{key} is not a setting of {plugin['slug']}",
                                     "extra_forbidden", given))
    for key, field in fields.items():
        value = settings.get(key)
        if value is None:
            if field.get("required"):
                issues.append(FieldIssue("body", ("settings", key), "should not be empty", "missing", value))
            continue
        issues += _field_issues(key, field, value)
    return issues


def _field_issues(key: str, field: dict[str, Any], value: Any) -> list[FieldIssue]:
    kind, rule = field["type"], dict(field.get("validation") or {})

    def bad(message: str) -> list[FieldIssue]:
        return [FieldIssue("body", ("settings", key), message, "rule", value)]

    if kind == "number":
        if not isinstance(value, (int, float)) or isinstance(value, bool):
            return bad("must be a number conforming to the specified constraints")
        if "min" in rule and value < rule["min"]:
            return bad(f"must not be less than {rule['min']}")
        if "max" in rule and value > rule["max"]:
            return bad(f"must not be greater than {rule['max']}")
    elif kind == "chips":
        if not isinstance(value, list) or not all(isinstance(v, str) for v in value):
            return bad("must be an array of strings")
    elif kind == "boolean":
        if not isinstance(value, bool):
            return bad("must be a boolean value")
    else:
        if not isinstance(value, str):
            return bad("must be a string")
        if kind == "select" and value not in [o.get("value", o) if isinstance(o, dict) else o
                                              for o in field.get("options", [])]:
            return bad("must be one of the options")
        if "pattern" in rule and not re.fullmatch(str(rule["pattern"]), value):
            return bad(f"must match {rule['pattern']} regular expression")
    return []


def with_defaults(plugin: dict[str, Any], settings: dict[str, Any]) -> dict[str, Any]:
    filled = {f["key"]: f["default"] for f in plugin.get("settingsSchema", []) if "default" in f}
    return {**filled, **settings}


def enabled_instances(twin: Twin, tenant: str, project_id: str) -> list[dict[str, Any]]:
    """The project's enabled instances (at most one per catalogue entry, so a handful)."""
    return [i for i in twin.collection(tenant, INSTANCES).find({"projectId": project_id}, limit=len(CATALOG) + 1).items
            if i.get("isEnabled")]


# -- the plugins ---------------------------------------------------------------------
def profanity(settings: dict[str, Any], text: str) -> dict[str, Any] | None:
    weights = {**PROFANITY, **{str(w).casefold(): 1.0 for w in settings.get("blockedWords") or []}}
    threshold = float(settings.get("threshold", 0.3))
    matches = [w for w in _WORD.findall(text) if weights.get(w.casefold(), -1.0) >= threshold]
    if not matches:
        return None
    worst = max(weights[w.casefold()] for w in matches)
    severity = "high" if worst >= 0.8 else "medium" if worst >= 0.5 else "low"
    return {"matches": matches, "severity": severity, "score": round(worst, 2)}


def sentiment(text: str) -> dict[str, Any]:
    words = [w.casefold() for w in _WORD.findall(text)]
    score = (sum(w in POSITIVE for w in words) - sum(w in NEGATIVE for w in words)) / max(1, len(words)) * 3
    score = max(-1.0, min(1.0, score))
    label = "positive" if score > 0.1 else "negative" if score < -0.1 else "neutral"
    return {"score": round(score, 3), "label": label}


def summary(session: dict[str, Any], messages: list[dict[str, Any]], highlights: int) -> dict[str, Any]:
    spoken = [m for m in messages if m.get("type") == "user"]
    speakers: dict[str, int] = {}
    for m in spoken:
        speakers[str(m["senderName"])] = speakers.get(str(m["senderName"]), 0) + 1
    # Salient lines: the longest utterances, kept in the order they were said.
    salient = sorted(sorted(spoken, key=lambda m: -len(str(m["content"])))[:highlights], key=lambda m: str(m["timestamp"]))
    times = [_seconds(str(m["timestamp"])) for m in messages]
    return {
        "title": session.get("title"),
        "speakers": [{"name": n, "messageCount": c} for n, c in speakers.items()],
        "messageCount": len(spoken),
        "durationSeconds": round(max(times) - min(times), 3) if times else 0,
        "highlights": [f"{m['senderName']}: {m['content']}" for m in salient],
        "text": " ".join(f"{m['senderName']} said: {m['content']}" for m in salient) or "Nothing was said.",
    }


def action_items(messages: list[dict[str, Any]]) -> dict[str, Any]:
    items = [{"text": m["content"], "speaker": m["senderName"], "messageId": m["id"]}
             for m in messages if m.get("type") == "user" and _ACTION.search(str(m["content"]))]
    return {"items": items, "count": len(items)}


def _seconds(stamp: str) -> float:
    return datetime.fromisoformat(stamp).timestamp()


def run_on_message(twin: Twin, tenant: str, message: dict[str, Any], project_id: str) -> None:
    for instance in enabled_instances(twin, tenant, project_id):
        plugin = BY_ID.get(str(instance["pluginId"]))
        if plugin is None:
            continue
        settings = with_defaults(plugin, dict(instance.get("settings") or {}))
        text = str(message.get("content", ""))
        if plugin["slug"] == "profanity-filter":
            found = profanity(settings, text)
            if found is not None:
                annotate_message(twin, tenant, message, instance, "profanity", found)
        elif plugin["slug"] == "sentiment" and text:
            annotate_message(twin, tenant, message, instance, "sentiment", sentiment(text))


def run_on_session_end(twin: Twin, tenant: str, session: dict[str, Any], messages: list[dict[str, Any]],
                       *, only: str | None = None) -> None:
    for instance in enabled_instances(twin, tenant, str(session["projectId"])):
        plugin = BY_ID.get(str(instance["pluginId"]))
        if plugin is None or (only is not None and plugin["slug"] != only):
            continue
        settings = with_defaults(plugin, dict(instance.get("settings") or {}))
        if plugin["slug"] == "session-summary":
            annotate_session(twin, tenant, session, instance, "summary",
                             summary(session, messages, int(settings.get("maxHighlights", 5))))
        elif plugin["slug"] == "action-items":
            annotate_session(twin, tenant, session, instance, "action_items", action_items(messages))
