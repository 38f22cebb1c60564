"""The web console at ``/_twinstack/console``: a page served by the twin itself, and the control calls it reads.

The page, its stylesheet and its script are package data under ``static/`` (no build step, nothing fetched from
elsewhere); :mod:`twinstack.control.console.routes` serves them beside the console's own read-only API.
"""

from twinstack.control.console.routes import console_routes

__all__ = ["console_routes"]
