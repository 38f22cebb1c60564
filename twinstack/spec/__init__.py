"""The spec layer: load an OpenAPI document, normalise its dialect, compile it."""
