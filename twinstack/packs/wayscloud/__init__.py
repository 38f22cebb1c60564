"""The wayscloud twin."""
