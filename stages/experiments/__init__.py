"""The experiments' answers, drawn from every evaluation run's metrics (reports/eval/RUN.json).

- `runs.py`: the metrics of every run, with the paired change against its reference run and its provenance
  (model, the data that trained it, n, problems).
- `matrix.py`: CodeM's transfer matrix (experiment x evaluation language) and its correlations.
- `figures.py`: the heatmaps, the pass@k curves and the MultiPL-T before/after bars.
- `markdown.py`: the same as Markdown tables.
- `lineage.py`: an evaluation result traced to its model, the dataset that trained it and that dataset's rows.
"""
