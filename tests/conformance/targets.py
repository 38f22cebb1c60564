"""The five built-in services as conformance targets: seed, base URL, gap rules, allowed 5xx.

Everything here comes from ``CONTRACT.md`` and the seed documents, with two
adjustments to the copy Schemathesis reads, so the run checks the twin against
the document it serves:

- a pack's ``patch_document`` (its declared, reviewed work-arounds for defects
  of the seed, such as a phantom required parameter) is applied; the operations
  it touches are printed with every report;
- a security scheme that requirements name but the document never defines
  (WAYSCloud's ``BearerAuth``) is defined as HTTP bearer, which is how the
  engine reads it (it says so in a start-up warning); otherwise Schemathesis
  could not authenticate those operations at all.
"""

from __future__ import annotations

import copy
import importlib
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from twinstack.spec.loader import load_document

PACKS = Path(__file__).resolve().parents[2] / "twinstack" / "packs"

HTTP_METHODS = ("get", "put", "post", "delete", "options", "head", "patch", "trace")


@dataclass(frozen=True, slots=True)
class Target:
    """One service under test."""

    slug: str
    seed: str
    """File name under ``twinstack/packs/<slug>/seed/``."""
    base_path: str = ""
    """The server base path the contract puts after the slug."""
    statuses_without_4xx: tuple[int, ...] = ()
    """Statuses accepted as document gaps on operations that declare no 4xx (ODIN only)."""
    declared_server_errors: dict[str, tuple[int, ...]] = field(default_factory=dict)
    """operationId -> 5xx statuses the document declares for a real condition (not a bug)."""
    document_defects: dict[str, tuple[str, str]] = field(default_factory=dict)
    """operationId -> (check, why): a check the document itself makes fail; disabled there and printed."""
    prose_rules: dict[str, tuple[tuple[int, ...], str]] = field(default_factory=dict)
    """operationId -> (declared statuses, rule): input the schema allows but the API refuses by a rule its
    document states only in prose or examples. ``positive_data_acceptance`` accepts exactly those
    declared statuses there (nothing else is relaxed), and the report prints each rule."""

    def served_document(self) -> tuple[dict[str, Any], list[str]]:
        """The seed with the pack's own seed fixes applied, and the labels of the operations they change."""
        seed = self.document()
        served = copy.deepcopy(seed)
        _define_named_schemes(served)
        patch = getattr(importlib.import_module(f"twinstack.packs.{self.slug}.pack").PACK, "patch_document", None)
        if patch is None:
            return served, []
        patch(served)
        changed = [label for label, (path, method) in _locations(seed).items()
                   if served.get("paths", {}).get(path, {}).get(method) != seed["paths"][path][method]]
        return served, changed

    def base_url(self, server_url: str) -> str:
        return f"{server_url}/{self.slug}{self.base_path}"

    def document(self) -> dict[str, Any]:
        """The seed, parsed (G4FAgent's is JSON inside Markdown, which ``st run`` cannot read: the run gets a
        plain JSON copy). The seed file itself is never written."""
        return load_document(PACKS / self.slug / "seed" / self.seed)

BLUELOBSTER_RULES: dict[str, tuple[tuple[int, ...], str]] = {
    "launch_standard_instance_api_v1_instances_launch_instance_post":
        ((400,), "unknown region, instance type or template; Linux without ssh_key, Windows without password"),
    "launch_custom_instance_api_v1_instances_launch_custom_post":
        ((400,), "memory must be even, cores a power of 2; host and template must exist"),
    "get_instance_log_api_v1_instances_log_post": ((422,), "start_time must precede end_time, range at most 90 days"),
    "rename_instance_api_v1_instances__instance_id__rename_put":
        ((400,), "the body {name} is described but not declared: 3-64 characters, unique (invalid_name)"),
    "restore_instance_backup_api_v1_instances__instance_id__restore_post":
        ((400,), "the undeclared body must name the backup volid (missing_backup_volid)"),
    "add_firewall_rule_api_v1_instances__instance_id__firewall_rules_post":
        ((400,), "rule type, protocol and ports must be valid (invalid_rule)"),
    "update_instance_firewall_api_v1_instances__instance_id__firewall_put":
        ((422,), "default policies are ACCEPT or DROP"),
    "create_backup_schedule_api_v1_instances__vm_uuid__backup_schedule_post":
        ((400,), "frequency must be one the service offers"),
}
WAYSCLOUD_RULES: dict[str, tuple[tuple[int, ...], str]] = {
    "list_databases_v1_databases__db_type__get": ((422,), "db_type is postgresql or mariadb (the 422 example says so)"),
    "delete_database_v1_databases_delete": ((422,), "db_name names a database of the account (the operation declares "
                                                    "no 404: the unknown name is a bad body)"),
    **{chat: ((400,), "model names a chat model of the list (the model_not_found example); images only to the vision "
                      "model; region only oslo (its description)")
       for chat in ("llm_chat_completion_v1_llm_chat_post", "llm_chat_completions_v1_llm_chat_completions_post",
                    "openai_chat_completion_v1_chat_completions_post")},
    **{embed: ((400,), "the body is {model, input} as the description gives it: input a string or a list of strings, "
                       "model an embedding model")
       for embed in ("create_embedding_v1_llm_embeddings_post", "create_embedding_v1_embeddings_post")},
    "getIpSummary": ((422,), "the path must be an IPv4 or IPv6 address"),
    "getIpGeo": ((422,), "the path must be an IPv4 or IPv6 address"),
    "getIpThreat": ((422,), "the path must be an IPv4 or IPv6 address"),
    "createPat": ((400,), "scopes must be names the account API lists"),
    "createSshKey": ((400,), "public_key is an ssh-rsa, ssh-ed25519 or ecdsa-sha2-nistp256 key "
                             "(the 400 example says so)"),
    "createDashboardSshKey": ((400,), "as createSshKey, which it copies (the SDK's dashboard path)"),
    "createDnsZone": ((400,), "the domain must be valid and not yet a zone (zone names are global)"),
    "createSmsKeyword": ((400, 409), "a keyword is 2-20 letters or digits (the 400 example says so) and reserved by "
                                     "one customer at a time, whatever its case"),
    "createVps": ((400,), "plan_code, region and os_template name catalogue entries (the 400 example says so)"),
    "createVpsSnapshot": ((400,), "the name keeps 3 characters once sanitised to [A-Za-z0-9_]; raw disks have none"),
    "setVpsBackupPolicy": ((422,), "time_of_day is HH:MM and a weekly policy names day_of_week (schema descriptions)"),
    "createVpsFirewallRule": ((400,), "source is a CIDR (the clients send one)"),
    "createApp": ((402, 422), "plan and region name catalogue entries, the slug is [a-z0-9-] and free in the account, "
                              "the plan's app quota is not reached (402)"),
    "updateApp": ((422,), "max_instances is within the plan and min_instances does not exceed it; plan, region and "
                          "slug are not mutable"),
    "createGpuJob": ((400, 403, 451), "the engine exists for the type, duration_sec within its limit, the preset "
                                      "exists (400); a pro engine needs the pro tier (403); the safety filter (451)"),
    "createTranscriptJob": ((422,), "the file is audio the service takes (the 422 example lists mp3, wav, m4a, ogg, "
                                    "flac)"),
    "confirmTranscriptUpload": ((422,), "the upload must exist and the job not be terminal (the 422 example says so)"),
    "exportTranscript": ((422,), "the job must be ready (the 422 example says so)"),
    "sendSms": ((400,), "recipients are E.164 numbers, known contacts or groups, at least one (the 400 example says "
                        "so); the message at most 10 parts; the sender profile approved; callback_url HTTPS; "
                        "scheduled_at at most 30 days ahead (its description says so)"),
    "cancelSmsMessage": ((400,), "only a SCHEDULED or QUEUED message can be cancelled (the 400 example says so)"),
    "createSenderProfile": ((400,), "sender_id is a phone or alphanumeric, at most 11, starting with a letter, no "
                                    "ÆØÅ; a custom one needs brand_confirmation (its descriptions say so)"),
    "startVerification": ((400,), "the recipient is E.164 for sms and voice, an e-mail address for email (the 400 "
                                  "example says so)"),
    "createEvent": ((422,), "password visibility needs a password (its description says so); the slug is URL-safe"),
    "verifyPassword": ((400,), "the event must be password-protected (the 400 example says so)"),
    "verifyToken": ((400,), "the event must be token-protected (the 400 example says so)"),
    "createDnsRecord": ((400,), "the record fits its type: A an IPv4 and AAAA an IPv6 address, MX and SRV with a "
                                "priority, SRV 'weight port target', CAA 'flags tag \"value\"', a CNAME alone at its "
                                "name and not at the apex (the brief's 400 'Invalid format')"),
    "registerDomain": ((400,), "the domain must be valid and not yet registered by the account (its 400 says so)"),
    "revokeDomain": ((400,), "only a verified domain can be revoked (its 400 says so)"),
    "getCountryIntelligence": ((422,), "code is an ISO 3166-1 alpha-2 country code (its 422 says so)"),
    "getAsnIntelligence": ((422,), "asn is an AS number, 0 to 4294967295 (its 422 says so)"),
    "submitIpReport": ((422,), "ip is an IPv4 or IPv6 address and category names the abuse (its 422 says so)"),
    "registerReporter": ((422,), "name is not empty and domain, when given, is a domain name"),
    "verifyReporter": ((400,), "the TXT record wayscloud-verify=<reporter_id> must be at the domain (the "
                               "description's steps)"),
    "requestDelist": ((400, 403, 422), "ip_address is an IPv4 or IPv6 address (its 422 says so); the hostname "
                                       "must resolve to it and the request come from it (the description's dual "
                                       "verification)"),
    # IoT (brief 2.16 and section 4): request strings that are enums in the resources, ids that must exist.
    "register_device_v1_iot_devices_post": ((422,), "device_id is unique in the account (no 409 is declared) and "
                                                    "topic-safe: 1-128 characters without '/', '+', '#'"),
    "add_device_tags_v1_iot_devices__device_id__tags_post": ((422,), "a tag is 1-64 characters (an empty one could "
                                                                     "never be removed by .../tags/{tag}), at most 50"),
    "create_datapoint_v1_iot_datapoints_post": ((422,), "key is unique per customer (its description; no 409 is "
                                                        "declared) and data_type is number, string or boolean"),
    "create_rule_v1_iot_rules_post": ((422,), "rule_type, scope_type, severity and actions are IoTRule's enums (the "
                                              "brief: free strings in the request, enums in the resource); a scoped "
                                              "rule names an existing device, group or profile; a threshold config "
                                              "names its datapoint, operator and numeric value"),
    "update_rule_v1_iot_rules__rule_id__put": ((422,), "severity and actions are IoTRule's enums; config fits the "
                                                       "rule's type"),
    "create_notification_channel_v1_iot_notifications_channels_post": ((422,), "channel_type is email, webhook, "
                                                                               "slack, teams or sms (its "
                                                                               "description); a webhook, Slack or "
                                                                               "Teams channel needs config.url, "
                                                                               "e-mail config.email, SMS "
                                                                               "config.phone"),
    "update_notification_channel_v1_iot_notifications_channels__channel_id__put": ((422,), "the name is free in the "
                                                                                           "account (no 409 is "
                                                                                           "declared); config fits "
                                                                                           "the channel's type"),
    "create_notification_policy_v1_iot_notifications_policies_post": ((422,), "channel_ids name existing channels; "
                                                                              "severity_filter, event_types and "
                                                                              "scope_type use the words their "
                                                                              "descriptions list"),
    "update_notification_policy_v1_iot_notifications_policies__policy_id__put": ((422,), "as the create: existing "
                                                                                         "channels, listed words"),
    "list_notification_deliveries_v1_iot_notifications_deliveries_get": ((422,), "created_after is an ISO 8601 "
                                                                                  "datetime (its description)"),
}
G4FAGENT_RULES: dict[str, tuple[tuple[int, ...], str]] = {
    "post_auth_refresh": ((400,), "refresh_token is required (stated in the description; {} is missing_body)"),
    "post_projects": ((400,), "name is required (stated in the description; {} is missing_body)"),
    "post_admin_users": ((400,), "name and email are required (stated in the description; {} is missing_body)"),
    "put_settings": ((400,), "a partial settings object is required ({} is missing_body); the keys upstream defines "
                             "have their types"),
    "post_uploads": ((400,), "filename, content_type and size_bytes are required (stated in the description; {} is "
                             "missing_body); size_bytes is a whole number within max_upload_size_bytes"),
    "post_tools": ((400,), "name, scope, description, schema and handler are required (stated in the description; {} is "
                           "missing_body); handler.type is http or python"),
    "post_tools_tool_id_invoke": ((400,), "args is required and an object (stated in the description; {} is "
                                          "missing_body)"),
    "post_telemetry_query": ((400,), "stream_id and time_range {from, to} are required, to after from (stated in the "
                                     "description; {} is missing_body)"),
    "post_telemetry_alerts": ((400,), "name, stream_id, condition and actions are required (stated in the description; "
                                      "{} is missing_body); condition is {op, value, for_s?}"),
    "post_notifications_ack": ((400,), "ids is required, an array (stated in the description; {} is missing_body)"),
}
POLYKOMOS_RULES: dict[str, tuple[tuple[int, ...], str]] = {
    "createDatabase": ((422,), "db_type, region and team must exist (\"the caller's primary team is used\"), the "
                               "blueprint be one the caller can read, quotas not be negative, and the engine's server "
                               "be available (MySQL needs mariadbd or --mysql-admin-url)"),
    "createDatabaseBlueprintApplication": ((422,), "the blueprint must be one the caller can read (\"Requires scopes: "
                                                   "databases:write and blueprints:read\"; the brief's 422 for an "
                                                   "unknown blueprint_uuid), the database active"),
    "createQueryExecution": ((422,), "the query must be a question about the database's tables, or SQL, that gives "
                                     "\"The generated SQL statement\" (the brief's 422 for text that cannot be "
                                     "translated), the database active"),
    "updateDatabaseQuotas": ((422,), "storage_hard_limit_gb and connection_hard_limit are amounts, so not negative "
                                     "(0 is a limit; the brief: the n+1-th connection is refused)"),
    "createWebhookEndpoint": ((422,), "events are names from the event catalogue; the url is absolute http(s)"),
}
ODIN_RULES: dict[str, tuple[tuple[int, ...], str]] = {
    "createKey": ((400,), "scopes are the six names GET /api/api-keys/scopes lists"),
    # Sanctions, gatherings, voice and functions (brief 2.8-2.11; NestJS' class-validator refuses what the
    # document's schemas leave open).
    "createSanction": ((400,), "a participantId or an externalUserId names who is sanctioned; startAt/endAt are "
                               "ISO 8601 dates, endAt after startAt"),
    "updateSanction": ((400,), "only an active sanction changes; endAt is an ISO 8601 date after startAt"),
    "revokeSanction": ((400,), "a sanction is revoked once"),
    "listSanctions": ((400,), "limit and offset are whole numbers (limit at least 1)"),
    "createGathering": ((400,), "a gathering has a name; maxMembers is a whole number (2-100); startsAt/endsAt are "
                                "ISO 8601 dates, endsAt after startsAt"),
    "updateGathering": ((400,), "ended, cancelled and expired gatherings are final; maxMembers is a whole number "
                                "not below the member count; times are ISO 8601"),
    "listGatherings": ((400,), "limit and offset are whole numbers (limit at least 1)"),
    "cancelGathering": ((400,), "ended, cancelled and expired gatherings are final"),
    "startGathering": ((400,), "only a pending or active gathering starts, on a named room"),
    "endGathering": ((400,), "ended, cancelled and expired gatherings are final"),
    "addMember": ((400,), "a full or final gathering takes no member"),
    "updateMember": ((400,), "a member is not set back to invited; final gatherings do not change"),
    "sendInvitations": ((400,), "a final gathering takes no invitations"),
    "declineInvitation": ((400,), "only a pending invitation is declined"),
    "createAccessKey": ((400,), "an access key has a name"),
    "editAccessKey": ((400,), "an access key has a name"),
    "updatePeerLimit": ((400,), "peerLimit is a whole number, 0 or more (0 = unlimited)"),
    "getAnalytics": ((400,), "start is a whole Unix time in seconds"),
    "getRoomsAnalytics": ((400,), "start is a whole Unix time in seconds"),
    "generateProjectToken": ((400,), "a token needs configured app settings (\"Project settings not configured\"), "
                                     "a room and a user; a webservice provider must answer a token"),
    "generateTokenLegacy": ((400,), "a token is for a named room"),
    "updateSettings": ((400,), "maxFunctions and maxMemoryPerFunction are whole numbers that \"require upgrade\" "
                               "to be raised"),
    "activateFunctions": ((400,), "the resource package and the location are ones the catalogues list; activation "
                                  "runs once"),
    "updateDependencies": ((400,), "dependencies are npm package names with a semver range or a dist tag"),
    "updateEnvVars": ((400,), "environment variable names match [A-Z_][A-Z0-9_]* and are unique"),
    "startRuntime": ((400,), "the runtime exists once Functions are activated"),
    "stopRuntime": ((400,), "the runtime exists once Functions are activated"),
    "restartRuntime": ((400,), "the runtime exists once Functions are activated"),
    "upgradeRuntime": ((400,), "the version is a known runtime version; the runtime exists once Functions are "
                               "activated"),
    "createFunction": ((400,), "a function has a name and code, a kebab-case slug, timeout 1000-300000 and memory "
                               "128-1024 (and at most maxMemoryPerFunction), within maxFunctions"),
    "updateFunction": ((400,), "timeout 1000-300000 and memory 128-1024 (and at most maxMemoryPerFunction)"),
    "publishVersion": ((400,), "publishing needs Functions activated"),
    "deployFunction": ((400,), "deploying needs Functions activated and a published version"),
    "stopDeployment": ((400,), "only a deployment that runs is stopped"),
    # Events, webhooks, participants, sessions, plugins and app settings (brief 2.2-2.7).
    "createParticipant": ((400,), "externalUserId is the participant's ODIN user id, so not empty"),
    "listParticipants": ((400,), "limit and offset are whole numbers of 32 bits (limit at least 1)"),
    "listEvents": ((400,), "limit and offset are whole numbers of 32 bits (limit at least 1)"),
    "createSession": ((400,), "a session needs configured app settings (\"Project settings not configured\"); "
                              "title and externalRoomId are not empty, idleTimeout is 0 or more"),
    "startSession": ((400,), "the bot needs configured app settings (\"Project settings not configured\")"),
    "createSubscription": ((400,), "secret and events are not empty; url is an absolute http(s) URL; an authType "
                                   "needs its credentials (apiKey, basic auth pair, customHeaders)"),
    "updateSubscription": ((400,), "events are not empty; url is an absolute http(s) URL; an authType needs its "
                                   "credentials"),
    "createInstance": ((400,), "pluginId names a plugin of the catalogue, installed once per project; settings "
                               "follow the plugin's settingsSchema"),
    "updateInstance": ((400,), "settings follow the plugin's settingsSchema"),
    "upsertAppSettings": ((400,), "the token provider needs its config: a valid ODIN access key and a botUserId, or "
                                  "an http(s) webservice URL and a responseTokenPath; manual e2e encryption needs a "
                                  "password"),
    "patchAppSettings": ((400,), "a new token provider needs its config; manual e2e encryption needs a password"),
    "updateE2EEncryption": ((400,), "manual e2e encryption needs a password, given or stored"),
    "syncSecret": ((400,), "the project's settings exist (\"No secret found in Payment system\" otherwise)"),
}


TARGETS: dict[str, Target] = {
    t.slug: t
    for t in (
        Target("bluelobster", "bluelobster.openapi.json", prose_rules=BLUELOBSTER_RULES),
        Target("polykomos", "polykomos.openapi.json", prose_rules=POLYKOMOS_RULES,
               declared_server_errors={"createQueryExecution": (500,)}),
        Target("odin", "odin-cortex.openapi.json", statuses_without_4xx=(400, 401, 403, 404, 429),
               prose_rules=ODIN_RULES,
               document_defects=dict.fromkeys(
                   ("removeMember", "updateMember"),
                   ("allow_header_conformance", "DELETE .../members/{participantId} and PATCH .../members/{memberId} "
                    "are one URL; its Allow header rightly names both methods"))),
        Target("g4fagent", "g4fagent.openapi.md", base_path="/api/v1", prose_rules=G4FAGENT_RULES),
        Target("wayscloud", "wayscloud.openapi.json", prose_rules=WAYSCLOUD_RULES),
    )
}


@dataclass(frozen=True, slots=True)
class ControlTarget(Target):
    """The control plane, fuzzed through its own document (``/_twinstack/openapi.json``) like a seed.

    It runs against a server of its own: its calls reset and replace the whole state. The console's SSE
    stream is left out of the run: it lasts for ``seconds`` (up to 300) by design, longer than a request
    may take here.
    """

    LONG_LIVED: tuple[str, ...] = ("/_twinstack/console/api/requests/stream",)

    def document(self) -> dict[str, Any]:
        from twinstack import __version__
        from twinstack.control.openapi import document
        from twinstack.engine.pack import discover_packs

        return document(__version__, [pack.slug for pack in discover_packs()])

    def served_document(self) -> tuple[dict[str, Any], list[str]]:
        served = self.document()
        for path in self.LONG_LIVED:
            served["paths"].pop(path, None)
        return served, []

    def base_url(self, server_url: str) -> str:
        return server_url


CONTROL = ControlTarget("control", "(its own /_twinstack/openapi.json)", prose_rules={
    "armFault": ((400,), "operation names an operation of the service's document (operationId or 'METHOD /path'), "
                         "status is one that operation declares, tenant is an existing tenant"),
    "importState": ((400,), "the body is a whole snapshot from /_twinstack/state/export"),
})
TARGETS[CONTROL.slug] = CONTROL
SEPARATE_SERVER = (CONTROL.slug,)
"""Targets run against a server of their own."""


def _locations(document: dict[str, Any]) -> dict[str, tuple[str, str]]:
    return {f"{method.upper()} {path}": (path, method) for path, item in document.get("paths", {}).items()
            for method, operation in item.items() if method in HTTP_METHODS and isinstance(operation, dict)}


def _define_named_schemes(document: dict[str, Any]) -> None:
    """Define, as HTTP bearer, every scheme a security requirement names that the document lacks."""
    schemes = document.setdefault("components", {}).setdefault("securitySchemes", {})
    requirements = list(document.get("security") or [])
    for path, method in _locations(document).values():
        requirements += document["paths"][path][method].get("security") or []
    for requirement in requirements:
        for name in requirement:
            schemes.setdefault(name, {"type": "http", "scheme": "bearer"})


def bad_input_statuses(document: dict[str, Any]) -> list[int]:
    """The bad-input statuses (400, 422) the API's document uses somewhere; both when it uses neither."""
    used = {int(code) for item in document.get("paths", {}).values() for method, operation in item.items()
            if method in HTTP_METHODS and isinstance(operation, dict)
            for code in operation.get("responses", {}) if str(code) in ("400", "422")}
    return sorted(used) or [400, 422]


def operation_labels(document: dict[str, Any]) -> dict[str, str]:
    """``"METHOD /path"`` (Schemathesis' label) -> operationId, or the label when there is none."""
    labels: dict[str, str] = {}
    for path, item in document.get("paths", {}).items():
        for method, operation in item.items():
            if method in HTTP_METHODS and isinstance(operation, dict):
                label = f"{method.upper()} {path}"
                labels[label] = str(operation.get("operationId") or label)
    return labels
