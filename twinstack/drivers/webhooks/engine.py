"""The webhook engine: endpoints, events fanned out to deliveries, signed attempts and their retries.

Contract with the caller (a pack's handler or job):

- ``emit`` is called **after** the caller's own write has been committed,
  never inside its ``store.transaction()``: a receiver told about an object
  must be able to read it back at once. ``emit`` only writes rows (one
  delivery per subscribed endpoint and a job due now), so it never blocks the
  request path; the scheduler makes the first attempt moments later.
- Every attempt is a job of kind ``webhooks.deliver:<service>``, which
  ``configure`` registers with the scheduler. Jobs live in the store, so
  retries pending at a restart resume once the restarted process has called
  ``configure`` again, and ``/_twinstack/clock/advance`` runs those that fell due.
- An attempt's result, the endpoint's ``last_success_at``/``last_failure_at``,
  the next retry and the outbox copy are committed together, after the HTTP
  exchange (never across an ``await``).

A job whose delivery has moved on (delivered, failed, revoked, or the attempt
already made or under way by a worker whose job lease ran out) does nothing.
Delivery is at least once: a process killed during a request leaves the job to
be claimed again, and the attempt is then sent again (receivers dedupe by event id).
"""

from __future__ import annotations

import logging
import time
import uuid
from collections.abc import Callable
from typing import Any

import orjson

from twinstack.drivers.webhooks.delivery_log import DeliveryLog
from twinstack.drivers.webhooks.endpoints import EndpointBook, check_events, check_url
from twinstack.drivers.webhooks.records import Attempt, CreatedEndpoint, Delivery, DeliveryPage, Endpoint
from twinstack.drivers.webhooks.settings import WebhookSettings
from twinstack.drivers.webhooks.signing import new_secret
from twinstack.drivers.webhooks.transport import Outcome, post
from twinstack import outbox
from twinstack.errors import NotFound
from twinstack.store import Job, Store
from twinstack.time.clock import Clock
from twinstack.time.jobs import Scheduler

log = logging.getLogger("twinstack.webhooks")

JOB_KIND = "webhooks.deliver:"
"""Prefix of the job kinds; the service's slug completes it."""

REVOKED = "endpoint revoked"

_IN_FLIGHT_MARGIN = 5.0
"""Seconds beyond the timeout an attempt is held as under way (recording it takes a moment too)."""


def job_kind(service: str) -> str:
    return JOB_KIND + service


class Webhooks:
    """Webhook endpoints and deliveries of the services configured on it, over one store."""

    def __init__(self, store: Store, clock: Clock, scheduler: Scheduler) -> None:
        self.store = store
        self.clock = clock
        self.scheduler = scheduler
        self.endpoints = EndpointBook(store)
        self.log = DeliveryLog(store)
        self._settings: dict[str, WebhookSettings] = {}

    def configure(self, service: str, settings: WebhookSettings | None = None) -> None:
        """Enable ``service`` with ``settings`` and register its delivery job; call it at start."""
        self._settings[service] = settings or WebhookSettings()
        self.endpoints.declare(service)
        self.log.declare(service)

        async def deliver(job: Job) -> None:
            await self._run_job(service, job)

        self.scheduler.register(job_kind(service), deliver)

    def settings(self, service: str) -> WebhookSettings:
        try:
            return self._settings[service]
        except KeyError:
            raise LookupError(f"webhooks are not configured for service {service!r}") from None

    # -- endpoints --------------------------------------------------------------
    def create_endpoint(
        self, service: str, tenant: str, url: str, events: list[str] | None = None, *, secret: str | None = None,
        headers: dict[str, str] | None = None, metadata: dict[str, Any] | None = None, active: bool = True,
    ) -> CreatedEndpoint:
        """A new endpoint and its secret (generated unless given), which is returned only here.

        Raises ``ValidationFailed`` naming ``url`` or ``events`` when they are unusable.
        """
        settings = self.settings(service)
        check_url(url)
        check_events(list(events or []))
        now = self.clock.now()
        with self.store.transaction():
            endpoint = Endpoint(
                self._new_id(service, "endpoint", settings), url, list(events or []),
                "active" if active else "disabled", now, dict(headers or {}), dict(metadata or {}),
            )
            secret = secret or new_secret(settings.secret_prefix)
            self.endpoints.add(service, tenant, endpoint, secret)
        return CreatedEndpoint(endpoint, secret)

    def get_endpoint(self, service: str, tenant: str, endpoint_id: str) -> Endpoint | None:
        """The endpoint, revoked ones included (their ``status`` says so)."""
        return self.endpoints.get(service, tenant, endpoint_id)

    def list_endpoints(self, service: str, tenant: str, *, include_revoked: bool = False) -> list[Endpoint]:
        """Newest first."""
        return self.endpoints.list(service, tenant, include_revoked=include_revoked)

    def update_endpoint(
        self, service: str, tenant: str, endpoint_id: str, *, url: str | None = None, events: list[str] | None = None,
        active: bool | None = None, headers: dict[str, str] | None = None, metadata: dict[str, Any] | None = None,
        secret: str | None = None,
    ) -> Endpoint | None:
        """Change what is given; None for an unknown or revoked endpoint. Pending retries go to the new URL
        and are signed with the new ``secret``."""
        if url is not None:
            check_url(url)
        if events is not None:
            check_events(events)
        with self.store.transaction():
            endpoint = self.endpoints.get(service, tenant, endpoint_id)
            if endpoint is None or endpoint.status == "revoked":
                return None
            endpoint.url = endpoint.url if url is None else url
            endpoint.events = endpoint.events if events is None else list(events)
            endpoint.headers = endpoint.headers if headers is None else dict(headers)
            endpoint.metadata = endpoint.metadata if metadata is None else dict(metadata)
            if active is not None:
                endpoint.status = "active" if active else "disabled"
            if secret is not None:
                self.endpoints.add(service, tenant, endpoint, secret)
            self.endpoints.save(service, tenant, endpoint, self.clock.now())
        return endpoint

    def revoke_endpoint(self, service: str, tenant: str, endpoint_id: str) -> Endpoint | None:
        """Stop all traffic to an endpoint: pending deliveries fail as ``endpoint revoked``.

        None when the endpoint is unknown or already revoked.
        """
        changed: list[Delivery] = []
        with self.store.transaction():
            endpoint = self.endpoints.get(service, tenant, endpoint_id)
            if endpoint is None or endpoint.status == "revoked":
                return None
            now = self.clock.now()
            endpoint.status, endpoint.revoked_at = "revoked", now
            self.endpoints.save(service, tenant, endpoint, now)
            for delivery in self.log.of_endpoint(service, tenant, endpoint_id, status="pending"):
                if delivery.status != "pending":
                    continue
                delivery.status, delivery.error_message = "failed", REVOKED
                delivery.next_attempt_at, delivery.updated_at = None, now
                self.log.save(service, tenant, delivery)
                # The store cannot delete a job: moving its retry to now lets it
                # run once, find the delivery failed, and be removed.
                self._schedule(service, tenant, delivery, 0.0)
                changed.append(delivery)
        for delivery in changed:
            self._changed(service, tenant, delivery)
        return endpoint

    # -- events -----------------------------------------------------------------
    def emit(
        self, service: str, tenant: str, event_type: str, data: Any, *, event_id: str | None = None,
        body: dict[str, Any] | None = None, only: Callable[[Endpoint], bool] | None = None,
    ) -> list[Delivery]:
        """Fan an event out to the tenant's active endpoints that take it; the new deliveries.

        Call it after the caller's write is committed (see the module docstring).
        The body sent is ``{"id", "type", "created_at", "data"}`` unless ``body``
        gives the whole document to send instead. ``only`` narrows the endpoints
        further (an API whose subscriptions belong to a project within the tenant).
        """
        settings = self.settings(service)
        targets = [
            e for e in self.endpoints.list(service, tenant)
            if e.status == "active" and e.subscribes(event_type) and (only is None or only(e))
        ]
        if not targets:
            return []
        now = self.clock.now()
        event_id = event_id or settings.event_id_prefix + uuid.uuid4().hex[:24]
        raw = self._body(event_id, event_type, data, now, body)
        created: list[Delivery] = []
        with self.store.transaction():
            for endpoint in targets:
                delivery = Delivery(
                    self._new_id(service, "delivery", settings), endpoint.id, event_id, event_type, "pending", 0,
                    len(settings.schedule), now, now, raw,
                )
                self.log.add(service, tenant, delivery)
                self._schedule(service, tenant, delivery, self._delay(settings, 0))
                created.append(delivery)
        return created

    async def send_test(
        self, service: str, tenant: str, endpoint_id: str, *, event_type: str = "webhook.test", data: Any = None,
    ) -> Delivery:
        """One synchronous attempt, logged like any delivery and never retried; the finished delivery.

        Raises ``NotFound`` for an unknown or revoked endpoint.
        """
        settings = self.settings(service)
        endpoint = self.endpoints.get(service, tenant, endpoint_id)
        if endpoint is None or endpoint.status == "revoked":
            raise NotFound(f"No webhook endpoint {endpoint_id}", code="not_found", details={"endpoint_id": endpoint_id})
        now = self.clock.now()
        event_id = settings.event_id_prefix + uuid.uuid4().hex[:24]
        payload = data if data is not None else {"endpoint_id": endpoint.id, "test": True}
        delivery = Delivery(
            self._new_id(service, "delivery", settings), endpoint.id, event_id, event_type, "pending", 0, 1, now, now,
            self._body(event_id, event_type, payload, now, None), test=True,
        )
        with self.store.transaction():
            self.log.add(service, tenant, delivery)
        return await self._attempt(service, tenant, endpoint, delivery)

    # -- the log ----------------------------------------------------------------
    def get_delivery(self, service: str, tenant: str, delivery_id: str) -> Delivery | None:
        return self.log.get(service, tenant, delivery_id)

    def deliveries(
        self, service: str, tenant: str, *, endpoint_id: str | None = None, limit: int = 25, cursor: str | None = None,
        starting_after: str | None = None,
    ) -> DeliveryPage:
        """The delivery log, newest first: the tenant's, or one endpoint's (see ``DeliveryLog.page``)."""
        return self.log.page(
            service, tenant, endpoint_id=endpoint_id, limit=limit, cursor=cursor, starting_after=starting_after
        )

    # -- attempts ---------------------------------------------------------------
    async def _run_job(self, service: str, job: Job) -> None:
        delivery_id, attempt = str(job.payload.get("delivery_id")), int(job.payload.get("attempt", 0))
        delivery = self._take(service, job.tenant, delivery_id, attempt)
        if delivery is None:
            return
        endpoint = self.endpoints.get(service, job.tenant, delivery.endpoint_id)
        if endpoint is None or endpoint.status == "revoked":
            return
        await self._attempt(service, job.tenant, endpoint, delivery)

    def _take(self, service: str, tenant: str, delivery_id: str, attempt: int) -> Delivery | None:
        """The delivery, marked in flight, if attempt number ``attempt`` is still to be made and nobody is making it."""
        with self.store.transaction():
            delivery = self.log.get(service, tenant, delivery_id)
            if delivery is None or delivery.status != "pending" or delivery.attempt_count >= attempt:
                return None
            wall = time.time()
            if delivery.in_flight_until is not None and delivery.in_flight_until > wall:
                return None
            # A job whose lease ran out while this worker still holds the attempt
            # is claimed again elsewhere; the mark keeps that copy from sending it twice.
            delivery.in_flight_until = wall + self.settings(service).timeout + _IN_FLIGHT_MARGIN
            self.log.save(service, tenant, delivery)
            return delivery

    async def _attempt(self, service: str, tenant: str, endpoint: Endpoint, delivery: Delivery) -> Delivery:
        settings = self.settings(service)
        body = delivery.body.encode()
        headers = {
            **endpoint.headers,
            "Content-Type": "application/json",
            "User-Agent": settings.user_agent,
            settings.header("Event"): delivery.event_type,
            settings.header("Delivery-Id"): delivery.id,
            **settings.sign(self.endpoints.secret(service, tenant, endpoint.id) or "", body, int(time.time())),
        }
        started = self.clock.now()
        refusal = await settings.policy.refusal(endpoint.url)
        if refusal is not None:
            outcome = Outcome.refused(refusal)
        else:
            outcome = await post(endpoint.url, body, headers, settings.timeout, settings.response_limit)
        return self._record(service, tenant, delivery, Attempt(
            delivery.attempt_count + 1, started, endpoint.url, outcome.status_code, outcome.error, outcome.duration_ms,
            outcome.response_body, outcome.response_headers, headers,
        ), outcome)

    def _record(self, service: str, tenant: str, sent: Delivery, attempt: Attempt, outcome: Outcome) -> Delivery:
        settings = self.settings(service)
        with self.store.transaction():
            # Re-read both: the endpoint may have been revoked while the request was out.
            delivery = self.log.get(service, tenant, sent.id)
            if delivery is None:
                # The whole state was reset meanwhile (/_twinstack/reset): report, keep nothing.
                sent.attempts.append(attempt)
                sent.attempt_count = attempt.number
                sent.response_code, sent.error_message = outcome.status_code, outcome.error
                sent.status = "delivered" if outcome.ok else "failed"
                return sent
            endpoint = self.endpoints.get(service, tenant, delivery.endpoint_id)
            now = self.clock.now()
            delivery.attempts.append(attempt)
            delivery.attempt_count = attempt.number = len(delivery.attempts)
            delivery.response_code, delivery.error_message = outcome.status_code, outcome.error
            delivery.updated_at, delivery.next_attempt_at, delivery.in_flight_until = now, None, None
            if outcome.ok:
                delivery.status, delivery.delivered_at = "delivered", now
            else:
                retry = (
                    delivery.status == "pending" and outcome.sent and delivery.attempt_count < delivery.max_attempts
                    and endpoint is not None and endpoint.status != "revoked"
                )
                if retry:
                    delay = self._delay(settings, delivery.attempt_count)
                    delivery.next_attempt_at = now + delay
                    self._schedule(service, tenant, delivery, delay)
                else:
                    delivery.status = "failed"
            self.log.save(service, tenant, delivery)
            if endpoint is not None:
                if outcome.ok:
                    endpoint.last_success_at = now
                else:
                    endpoint.last_failure_at = now
                self.endpoints.save(service, tenant, endpoint, now)
            if outcome.sent:
                self._to_outbox(service, tenant, delivery, attempt)
        self._changed(service, tenant, delivery)
        return delivery

    # -- helpers ----------------------------------------------------------------
    def _schedule(self, service: str, tenant: str, delivery: Delivery, delay: float) -> None:
        # One job id per delivery: a retry replaces the job that is running it.
        self.scheduler.schedule(
            job_kind(service), delay, service=service, tenant=tenant,
            payload={"delivery_id": delivery.id, "attempt": delivery.attempt_count + 1},
            job_id=f"webhooks:{service}:{tenant}:{delivery.id}",
        )

    def _delay(self, settings: WebhookSettings, failed_attempts: int) -> float:
        delay = settings.schedule[failed_attempts]
        return delay * self.clock.factor if settings.scale_with_speed else delay

    def _new_id(self, service: str, kind: str, settings: WebhookSettings) -> str:
        if settings.ids == "uuid":
            return str(uuid.uuid4())
        return str(int(self.store.meta_add(f"webhooks:{service}:{kind}_seq", 1)))

    def _body(self, event_id: str, event_type: str, data: Any, now: float, body: dict[str, Any] | None) -> str:
        document = body if body is not None else {
            "id": event_id, "type": event_type, "created_at": self.clock.iso(now), "data": data,
        }
        return orjson.dumps(document).decode()

    def _to_outbox(self, service: str, tenant: str, delivery: Delivery, attempt: Attempt) -> None:
        outbox.send(
            self.store, self.clock, service=service, tenant=tenant, channel="webhook", recipient=attempt.url,
            body=delivery.body, sender=service, subject=delivery.event_type,
            metadata={
                "delivery_id": delivery.id, "endpoint_id": delivery.endpoint_id, "event_id": delivery.event_id,
                "attempt": attempt.number, "status_code": attempt.status_code, "error": attempt.error,
                "test": delivery.test, "headers": attempt.request_headers,
            },
        )

    def _changed(self, service: str, tenant: str, delivery: Delivery) -> None:
        hook = self.settings(service).on_change
        if hook is None:
            return
        try:
            hook(tenant, delivery)
        except Exception:
            log.exception("webhook on_change hook failed for delivery %s", delivery.id)
