"""The multiprocess backend: one env whose C envs are split over worker processes, with the
serial backend's results bit for bit. How it works and what it costs: docs/multiprocess.md.

    env = ocean.make("pong", num_envs=4096, backend="multiprocess", num_workers=2)

    env.py      MultiprocessEnv (step, reset; send/recv in batches) and check_backend
    shared.py   the shared-memory segment: its layout, mapping it, each block's Batch
    workers.py  the parent's side of the worker processes: start, notice an exit, stop
    worker.py   a worker process itself (`python -m ocean.multiprocess.worker`)
    cores.py    physical cores, and whether the parent spins while it waits
"""
from ocean.multiprocess.cores import physical_cores
from ocean.multiprocess.env import BACKENDS, MultiprocessEnv, check_backend
from ocean.multiprocess.workers import WorkerError

__all__ = ["MultiprocessEnv", "WorkerError", "check_backend", "physical_cores", "BACKENDS"]
