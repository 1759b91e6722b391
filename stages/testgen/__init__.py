"""MultiPL-T test generation: prompts, assert parsing, per-assert execution with coverage and observed types."""
