"""A worker process of the multiprocess backend, started by the parent (workers.py) as

    python -m ocean.multiprocess.worker '{"segment": ..., "specs": ..., "game": ...,
                                          "block": ..., "games_per_block": ...,
                                          "config": [...], "parent": ...}'

It maps the parent's segment, builds the C envs of its block over the shared buffers,
says it is ready, then carries out the parent's commands until CLOSE, or until the parent
is gone: then it also unlinks the segment, in case nothing else will. Its stderr is the
parent's, so an error while starting shows its traceback where the user looks.
(Nothing imports this module: `python -m` runs it.)"""
import json
import os
import sys
import time

import numpy as np

from ocean import _sync
from ocean.multiprocess import shared

IDLE_SLICE_S = 0.1     # an idle worker checks that its parent lives this often
WORKER_SPIN_S = 50e-6  # a worker spins this long for its next command (the parent's turn)


def main(handover):
    block, specs = handover["block"], handover["specs"]
    arrays = shared.attach(handover["segment"], specs)
    control = arrays["control"]
    batch, ended = shared.block_batch(handover["game"], block, handover["games_per_block"],
                                      np.array(handover["config"], dtype=np.float64), arrays)
    seen = 0
    _sync.finish(control, block, seen)  # ready
    idle_since = time.monotonic()
    while True:
        request = _sync.wait_request(control, block, seen, time.monotonic() - idle_since,
                                     IDLE_SLICE_S, WORKER_SPIN_S)
        if request == seen:
            if os.getppid() != handover["parent"]:
                shared.unlink(handover["segment"])  # orphaned: the parent died
                break
            continue
        seen = request
        if not _sync.run(batch, control, block, ended, seen):
            break  # CLOSE
        idle_since = time.monotonic()
    batch.close()


if __name__ == "__main__":
    main(json.loads(sys.argv[1]))
