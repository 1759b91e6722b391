"""Scoring models on the compiled benchmark (data/benchmark/) as MultiPL-E scores them.

- `passk`: the unbiased pass@k estimator, bootstrap intervals over problems, paired comparisons.
- `modes`: the sampling presets the papers report (pass@1, greedy, pass@10/100).
- `prompts`: the three prompt formats (completion, instruction, edit_sequence) and how each answer becomes the
  program that runs.
- `execute`: one program through the sandbox, the facts an evaluation row keeps.
- `multipl_e`: MultiPL-E's own completion and result files (export, and scoring files made elsewhere).
- `summary`: a run's rows -> its metrics; the table `polyforge eval` prints.
"""
