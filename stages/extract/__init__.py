"""Function and instruction extraction: sources, per-function filters, streaming de-duplication."""
