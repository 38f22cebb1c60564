"""The g4fagent twin."""
