"""The engine: routing, request reading, validation, auth, generic behaviour, responses."""
