"""twinstack: working local twins of cloud and SaaS APIs, built from their OpenAPI documents."""

__version__ = "0.1.0"
__all__ = ["__version__"]
