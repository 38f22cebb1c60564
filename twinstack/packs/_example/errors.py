"""The example API's error bodies: RFC 9457 problem details, as its document declares.

A pack picks the style of the framework its API is built with from
``twinstack.engine.error_styles`` (``FastAPI``, ``NestJS``, ``Problem``,
``Plain``), configured for the API's particulars; it writes a renderer of its
own only for what no style can say, and calls the style for the rest.
"""

from __future__ import annotations

from twinstack.engine.error_styles import Problem

render_error = Problem()
"""``Pack.errors``: ``{"type": "about:blank", "title", "status", "detail", "errors"?}``."""
