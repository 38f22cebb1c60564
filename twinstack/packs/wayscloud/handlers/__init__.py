"""Operation overrides of the wayscloud twin, one module per document tag.

Each module here declares what it adds (``HANDLERS``, ``INDEXES``, ``JOBS``, ``CONTROLS``,
``ENDPOINTS``, ``MOUNTS``, ``ON_RESET``); they are gathered by scanning this package, so a new
service module touches no shared list (``twinstack.engine.parts``).
"""

from __future__ import annotations

from twinstack.engine.parts import Parts, collect_parts

PARTS: Parts = collect_parts(__name__)
"""Everything the handler modules declare, merged."""
