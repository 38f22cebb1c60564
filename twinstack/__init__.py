"""twinstack: working local twins of cloud and SaaS APIs, built from their OpenAPI documents."""

from __future__ import annotations

from typing import Any

__version__ = "0.1.0"
__all__ = ["Twin", "__version__"]


def __getattr__(name: str) -> Any:
    # ``twinstack.Twin`` without importing the server for ``import twinstack`` alone.
    if name == "Twin":
        from twinstack.harness import Twin

        return Twin
    raise AttributeError(f"module 'twinstack' has no attribute {name!r}")
