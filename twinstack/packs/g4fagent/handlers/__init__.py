"""Operation overrides of the g4fagent twin, one module per document tag.

Each module here declares what it adds (``HANDLERS``, ``INDEXES``, ``JOBS``, ``CONTROLS``,
``ENDPOINTS``, ``MOUNTS``, ``ON_RESET``); they are gathered by scanning this package, so a new
module touches no shared list (``twinstack.engine.parts``). Every operation not handled here is
served by the engine's generic twin.
"""

from __future__ import annotations

from twinstack.engine.parts import Parts, collect_parts

PARTS: Parts = collect_parts(__name__)
"""Everything the handler modules declare, merged."""
