"""Teams of an account: what instances can be assigned to, and what team-scoped keys are limited to.

The API has no operation that creates a team (the web console does), so every
account has one ``default`` team, a key issued for a team through the control
plane brings its team into being, and ``POST /_twinstack/bluelobster/teams``
adds named ones. Assigning an instance sets ``VMInstance.team_id``/``team_name``.
"""

from __future__ import annotations

from typing import Any

from twinstack.packs.bluelobster.records import Account, Record

COLLECTION = "teams"
DEFAULT_TEAM: Record = {"team_id": "default", "team_name": "Default Team"}


def find(account: Account, team_id: str) -> Record | None:
    if team_id == DEFAULT_TEAM["team_id"]:
        return dict(DEFAULT_TEAM)
    return account.collection(COLLECTION).get(team_id)


def ensure(account: Account, team_id: str, name: str | None = None) -> Record:
    """The team, created (named ``name`` or after its id) if the account has none by that id."""
    found = find(account, team_id)
    if found is not None:
        return found
    team = {"team_id": team_id, "team_name": name or team_id, "created_at": account.iso()}
    account.collection(COLLECTION).put(team_id, team)
    return team


def view(team: Record) -> dict[str, Any]:
    return {"team_id": team["team_id"], "team_name": team["team_name"]}
