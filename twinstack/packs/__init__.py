"""Built-in service packs, one folder each; found by scanning this package."""
