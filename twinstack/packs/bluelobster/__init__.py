"""The bluelobster twin."""
