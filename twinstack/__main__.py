"""Allows ``python -m twinstack``."""

from twinstack.cli import main

raise SystemExit(main())
