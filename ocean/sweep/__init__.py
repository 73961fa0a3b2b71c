"""`ocean sweep`: hyperparameter sweeps, a layer above ocean.train (which never imports
it). spaces.py: the search spaces; search.py: the searcher; trial.py: one trial, an
`ocean train` child process; runner.py: the sweep folder and the local runner; ray_runner.py:
the Ray Tune runner (the [sweep] extra); report.py: plots and the live table; cli.py: the
command."""
