"""The parent's side of the worker processes: start them, notice one that exits, stop them.

A worker is `python -m ocean.multiprocess.worker HANDOVER` (ocean/multiprocess/worker.py):
a fresh interpreter that imports Ocean and nothing of the user's program, so a script
needs no `if __name__ == "__main__":` guard, and code without a script file (Jupyter,
`python -c`) works. It inherits no threads, locks or CUDA state from the parent, as a fork
would. HANDOVER is one JSON argument (segment name, game, block, config, the parent's pid):
a few hundred bytes that need no protocol of their own, and that `ps` shows to whoever
looks at a worker.

Each worker holds the write end of a pipe whose read end stays with the parent; the
kernel closes it when the worker exits, however it exits, so one poll() over the read ends
says whether any worker is gone. Workers run in a session of their own: Ctrl-C in a
terminal reaches the parent alone, which stops them; a worker whose parent died (killed,
or the process group killed) notices within IDLE_SLICE_S, exits and unlinks the segment.
"""
import json
import os
import select
import signal
import subprocess
import sys
import time

from ocean import _sync

WORKER_MODULE = "ocean.multiprocess.worker"
CLOSE_TIMEOUT_S = 1.0  # then workers that did not exit on request are killed


class WorkerError(RuntimeError):
    """A worker process died; the env it belonged to is closed."""


def worker_environment():
    """The parent's environment, plus its import path: a worker imports the same Ocean and
    numpy as the parent, wherever they came from, and (Python 3.11+) nothing from the
    working directory, which `python -m` would otherwise search first."""
    path = [os.path.abspath(entry) for entry in sys.path if isinstance(entry, str)]
    return {**os.environ, "PYTHONPATH": os.pathsep.join(path), "PYTHONSAFEPATH": "1"}


class Workers:
    """The worker processes of one env. `processes[i]` (a subprocess.Popen) steps block
    `first_block + i`."""

    def __init__(self, first_block):
        self.first_block = first_block
        self.processes = []
        self._pipes = {}          # read end of a worker's pipe: its index in processes
        self._exits = select.poll()
        self.owner = os.getpid()

    def start(self, handover):
        """Start the worker of block `first_block + len(processes)`; returns at once."""
        read, write = os.pipe()
        try:
            process = subprocess.Popen(
                [sys.executable, "-m", WORKER_MODULE, json.dumps(handover)],
                stdin=subprocess.DEVNULL, pass_fds=(write,), start_new_session=True,
                env=worker_environment())
        except BaseException:
            os.close(read)
            raise
        finally:
            os.close(write)
        self._pipes[read] = len(self.processes)
        self.processes.append(process)
        self._exits.register(read, select.POLLIN)

    def exited(self):
        """The index of a worker that has exited (its returncode set), or None. Costs one
        poll() over the pipes while every worker lives: a microsecond or two."""
        ready = self._exits.poll(0)
        for index in sorted(self._pipes[fd] for fd, _ in ready):
            process = self.processes[index]
            try:
                process.wait(CLOSE_TIMEOUT_S)  # the pipe closes just before it is reapable
            except subprocess.TimeoutExpired:
                continue
            return index
        return None

    def describe(self, index, envs_per_block):
        """'worker i (pid p, envs a..b) exited with code c' (or 'was killed by SIGNAL')."""
        process, block = self.processes[index], self.first_block + index
        code = process.returncode
        how = (f"was killed by {signal.Signals(-code).name}" if code < 0
               else f"exited with code {code}")
        return (f"worker {index} (pid {process.pid}, envs {block * envs_per_block}.."
                f"{(block + 1) * envs_per_block - 1}) {how}")

    def stop(self, control):
        """Ask every live worker to exit (CLOSE), kill those still running after
        CLOSE_TIMEOUT_S, reap them all."""
        for block, process in enumerate(self.processes, self.first_block):
            if process.poll() is None:
                _sync.command(control, block, 1, _sync.CLOSE)
        deadline = time.monotonic() + CLOSE_TIMEOUT_S
        for process in self.processes:
            try:
                process.wait(max(0.0, deadline - time.monotonic()))
            except subprocess.TimeoutExpired:
                process.kill()
                process.wait()
        for fd in self._pipes:
            self._exits.unregister(fd)
            os.close(fd)
        self._pipes.clear()


def shutdown(workers, control, segment):
    """Stop the workers and unlink the segment. An env's weakref.finalize runs this once:
    from close(), when the env is garbage collected, or at interpreter exit. A process forked
    from the owner inherits the finaliser but not the workers, and leaves both alone."""
    if os.getpid() != workers.owner:
        return
    workers.stop(control)
    try:
        segment.unlink()
    except FileNotFoundError:
        pass
