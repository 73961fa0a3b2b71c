"""`ocean sweep --backend ray` on a real two-node Ray cluster on this machine, inside a
network namespace that has only loopback (`unshare -n`: the test runs as root, as CI does),
so nothing can bind to or reach another address. Trials are tiny; the check is that they
ran on both nodes and that sweep.csv holds all of them."""
import csv
import importlib.util
import json
import os
import shutil
import subprocess
import sys

import pytest

from conftest import ROOT

TINY = ["--train.num-envs", "8", "--train.num-minibatches", "2", "--train.update-epochs", "1",
        "--policy.hidden", "16", "--env.max-score", "2", "--train.total-steps", "4096"]


def test_trials_spread_over_both_nodes_and_all_reach_sweep_csv(tmp_path):
    if importlib.util.find_spec("ray") is None:
        pytest.fail("Ray is missing: it is the [sweep] extra, which the test extra brings")
    if os.geteuid() != 0 or shutil.which("unshare") is None or shutil.which("ip") is None:
        pytest.fail("this test runs Ray in a network namespace: it needs root, unshare "
                    "(util-linux) and ip (iproute2)")
    driver = " ".join([sys.executable, str(ROOT / "tests" / "ray_cluster_driver.py"),
                       str(tmp_path), "--trials", "2", *TINY])
    result = subprocess.run(["unshare", "-n", "sh", "-c", f"ip link set lo up && {driver}"],
                            capture_output=True, text=True, timeout=300)
    assert result.returncode == 0, result.stdout + result.stderr
    nodes = json.loads(result.stdout.strip().splitlines()[-1])["nodes"]
    (folder,) = (tmp_path / "sweeps").iterdir()
    with open(folder / "sweep.csv", newline="") as f:
        rows = list(csv.DictReader(f))
    assert {r["trial"] for r in rows} == {"0", "1"}
    assert all(r["failed"] == "0" and r["score"] for r in rows)
    assert sorted({r["node"] for r in rows}) == sorted(nodes) and len(nodes) == 2
    for trial in ("0", "1"):
        run = folder / next(r["run"] for r in rows if r["trial"] == trial)
        assert (run / "model.pt").is_file()
    assert (folder / "best.toml").is_file()
