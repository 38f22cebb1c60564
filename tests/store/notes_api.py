"""The small generic document the server-level state tests mount, so they depend on no pack."""

from __future__ import annotations

from pathlib import Path

NOTES_SPEC = str(Path(__file__).resolve().parent.parent / "data" / "notes.openapi.yaml")
SERVE_ARGS = ("--speed", "instant", "--strict", "--services", ",", "--spec", NOTES_SPEC)
"""``twinstack serve`` arguments: ``--services ,`` mounts no built-in service, only the notes document."""
