"""The control plane under ``/_twinstack/``: not part of any seed API."""
