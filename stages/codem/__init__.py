"""CodeM instruction sets (Zan et al., 2023): instruction/response rows per language, from selectable sources.

- `instructions.py`: validated MultiPL-T translations turned into instructions from their Python docstrings
  (execution-validated, which CodeM's GPT-3.5 data was not).
- `published.py`: the published CodeM data read through `datasets`, its schema found, not assumed.
"""
