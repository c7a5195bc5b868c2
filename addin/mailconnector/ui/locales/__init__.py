"""Translation tables, one module per language."""
