"""The webhook engine's public names: what packs may import, and nothing else by accident."""

from __future__ import annotations

import twinstack.drivers.webhooks as webhooks


def test_the_public_surface_is_exactly_these_names() -> None:
    assert set(webhooks.__all__) == {
        "DEFAULT_SCHEDULE", "Attempt", "CreatedEndpoint", "Delivery", "DeliveryPage", "Endpoint", "SignatureError",
        "Signer", "TargetPolicy", "WebhookSettings", "Webhooks", "job_kind", "new_secret", "signature_header", "verify",
    }
    for name in webhooks.__all__:
        assert getattr(webhooks, name) is not None


def test_the_job_kind_names_the_service() -> None:
    assert webhooks.job_kind("polykomos") == "webhooks.deliver:polykomos"
