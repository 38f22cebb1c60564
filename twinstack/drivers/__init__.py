"""Drivers: real side effects (databases, storage, DNS, ...) behind plain-Python seams; none import HTTP or the engine."""
