"""The odin twin."""
