"""Tag ``Health``: the service's greeting."""

from __future__ import annotations

from typing import Any

from twinstack.engine.context import RequestContext
from twinstack.engine.pack import Handler


async def get_data(ctx: RequestContext) -> Any:
    # The operation is the Nx/NestJS starter's ``getData``, which greets with this body.
    return {"message": "Hello API"}


HANDLERS: dict[str, Handler] = {"getData": get_data}
