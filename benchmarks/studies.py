"""What the study scripts share (benchmarks/offpolicy_study.py, onoff_study.py): `ocean train`
runs of every variant and seed under one wall-clock budget each, alternating so the machine's
drift hits all variants alike, kept when finished so an interrupted study resumes; their
ranking and the report through ocean compare's functions (ocean/train/compare.py).

`--shard I/N` splits one game's runs among N studies started at once (each pinned to its own
core, e.g. `taskset -c I`): shard I takes every N-th run of the alternating order, so each
core sees every variant and the drift still hits all alike. Shards only train; the same
command without --shard then finds every run finished and writes the report."""
import argparse
import datetime
import json
import math
import os
import pathlib
import statistics
import subprocess
import sys

import torch

from ocean.bench import machine_line
from ocean.train import compare

THRESHOLDS = {"pong": 18.0, "breakout": 200.0}
NO_LIMIT = 10**12  # agent-steps: the budget in seconds ends every run


def finished_runs(folder):
    """{seed: run folder} of the finished runs (a final checkpoint) under `folder`."""
    runs = {}
    for config_path in sorted(folder.glob("*/config.json")):
        run = config_path.parent
        if (run / "model.pt").is_file() and (run / "metrics.csv").is_file():
            runs[json.loads(config_path.read_text())["train"]["seed"]] = run
    return runs


def train(game, flags, runs_dir, log, timeout):
    """One `ocean train` in its own process (a fresh interpreter for every run), its output
    into `log`."""
    command = [sys.executable, "-m", "ocean.cli", "train", game, *flags,
               "--runs-dir", str(runs_dir), "--no-dashboard", "--train.log-interval", "30"]
    runs_dir.mkdir(parents=True, exist_ok=True)
    with open(log, "a") as out:
        print(" ".join(command), file=out, flush=True)
        subprocess.run(command, stdout=out, stderr=subprocess.STDOUT, check=True,
                       timeout=timeout)


def warm_up(game, variants, table, args, scratch):
    """One update of each variant (PPO's compiled), so that the runs find their graphs in
    torch's cache and none pays a cold compilation inside its budget."""
    for name in variants:
        compiled = [] if "dqn" in table[name] else ["--train.compile", "always"]
        train(game, [*table[name], *args.flags, "--train.total-steps", "1", *compiled],
              scratch / name, scratch / "warm-up.log", timeout=1800)


def add_shard_argument(parser):
    parser.add_argument("--shard", default="0/1", type=shard,
                        help="I/N: run every N-th run of the alternating order, from the I-th "
                             "(N studies at once, one a core); then one run without it reports")


def shard(text):
    """'I/N' -> (I, N), 0 <= I < N."""
    try:
        index, count = (int(part) for part in text.split("/"))
    except ValueError:
        raise argparse.ArgumentTypeError(f"--shard takes I/N, e.g. 0/2, not {text!r}")
    if not 0 <= index < count:
        raise argparse.ArgumentTypeError(f"--shard {text}: I must be in 0..N-1")
    return index, count


def shard_runs(variants, seeds, index=0, count=1):
    """[(seed, variant)] of shard `index` of `count`: the alternating order (every variant
    with seed 0, then with seed 1 from the second variant on, ...), every count-th run."""
    order = [(seed, name) for seed in range(seeds)
             for name in variants[seed % len(variants):] + variants[:seed % len(variants)]]
    return order[index::count]


def run_game(game, variants, table, seconds, args):
    """Every variant (flags in `table`) x seed of `game` not yet run, alternating (this
    shard's share of them); returns [(name, runs)] of every finished run."""
    root = pathlib.Path(args.runs) / game
    mine = shard_runs(variants, args.seeds, *args.shard)
    if any(seed not in finished_runs(root / name) for seed, name in mine):
        warm_up(game, variants, table, args, root / f"warm-up-{args.shard[0]}")
    for seed, name in mine:
        folder = root / name
        if seed in finished_runs(folder):
            continue
        flags = [*table[name], *args.flags, "--train.seed", str(seed),
                 "--train.total-steps", str(NO_LIMIT),
                 "--train.checkpoint-interval", str(NO_LIMIT),
                 "--train.max-seconds", str(seconds)]
        print(f"{game} {name} seed {seed} ({seconds:g} s)", flush=True)
        train(game, flags, folder, folder / "train.log", timeout=2 * seconds + 1800)
    return [(name, [compare.load_run(run) for seed, run in
                    sorted(finished_runs(root / name).items()) if seed < args.seeds])
            for name in variants]


def rank(groups, threshold, baseline="baseline"):
    """The groups but the baseline, best first: fewest median seconds to the threshold (a
    run that never reached it counts as infinitely late), then highest mean score at the
    wall-clock budget every run reached."""
    budget = min(run.end[compare.SECONDS] for _, runs in groups for run in runs)

    def key(group):
        _, runs = group
        seconds = statistics.median(compare.to_threshold(run, threshold, compare.SECONDS)
                                    for run in runs)
        scores = [compare.score_at(run, budget, compare.SECONDS) for run in runs]
        scores = [s for s in scores if not math.isnan(s)]
        return seconds, -(statistics.mean(scores) if scores else -math.inf)
    return sorted((g for g in groups if g[0] != baseline), key=key)


def report(study, game, groups, seconds, out):
    """The figure into <out>/<study>_<game>.png; returns the markdown section."""
    threshold = THRESHOLDS[game]
    figure = out / f"{study}_{game}.png"
    compare.save(compare.plot(groups, threshold), figure)
    runs = sum(len(r) for _, r in groups)
    return (f"## {game.capitalize()}\n\n{len(groups)} variants, {runs} runs of {seconds:g} s "
            f"each. ![{game}]({figure.name})\n\n{compare.table(groups, threshold)}\n")


def write_report(study, lines, out, argv):
    """<out>/<study>_study.md, atomically: `lines` (a preamble, then one "## Game" section
    per game run), each section headed by the command, date and machine that made it. The
    file's sections for other games are kept, so a study run game by game builds one report."""
    command = " ".join(argv if argv is not None else sys.argv[1:])
    made_by = (f"Written by `python benchmarks/{study}_study.py {command}` on "
               f"{datetime.date.today()}. {machine_line()}; torch {torch.__version__}.")
    preamble, *sections = ("\n" + "\n".join(lines)).split("\n## ")
    sections = {s.split("\n", 1)[0]: s.replace("\n", f"\n\n{made_by}\n", 1) for s in sections}
    path, temporary = out / f"{study}_study.md", out / f"{study}_study.md.tmp"
    if path.is_file():
        _, *earlier = path.read_text().split("\n## ")
        sections = {**{s.split("\n", 1)[0]: s for s in earlier}, **sections}
    title = f"# {study.capitalize()} study: results\n\n"
    text = "\n## ".join([title + (preamble.strip() + "\n" if preamble.strip() else ""),
                          *(s.rstrip() + "\n" for s in sections.values())])
    temporary.write_text(text)
    os.replace(temporary, path)  # never half a report
    print(text)
    print(f"written: {path}")
