"""The multiprocess backend: the same results as the serial one for every game, send/recv
batches, worker faults, cleanup of processes and shared memory (also after Ctrl-C and at
exit), and clear errors for bad arguments."""
import gc
import hashlib
import os
import re
import signal
import subprocess
import sys
import textwrap
import threading
import time
import traceback

import numpy as np
import pytest

import ocean
from conftest import ROOT
from ocean import _sync
from ocean.multiprocess import WorkerError, cores, physical_cores

GAMES = ocean.list_envs()
SHM = "/dev/shm"
# Only a hang takes this long; how soon the backend reacts depends on the machine and its
# load, so benchmarks/multiprocess_timing.py measures it against docs/multiprocess.md.
HANG_GUARD_S = 60


def own_segments():
    return [n for n in os.listdir(SHM) if n.startswith(f"ocean_{os.getpid()}_")]


@pytest.fixture(autouse=True)
def no_leaked_segments():
    yield
    assert own_segments() == []


@pytest.fixture(autouse=True)
def close_waits_for_a_hang(monkeypatch):
    """close() kills a worker still running CLOSE_TIMEOUT_S (1 s) after its CLOSE. Tests that
    workers exit on CLOSE (return code 0) give them a hang guard's time instead: on a loaded
    machine a worker's exit may take longer, and a kill would fail the test."""
    monkeypatch.setattr("ocean.multiprocess.workers.CLOSE_TIMEOUT_S", HANG_GUARD_S)


def running(pid):
    """True while pid is a live process (not gone, not a zombie awaiting its parent)."""
    try:
        with open(f"/proc/{pid}/stat") as f:
            return f.read().rsplit(")", 1)[1].split()[0] != "Z"
    except FileNotFoundError:
        return False


def wait_until(condition, timeout=HANG_GUARD_S):
    deadline = time.monotonic() + timeout
    while not condition():
        assert time.monotonic() < deadline, "condition not reached in time"
        time.sleep(0.01)


def make(name="pong", num_envs=4, **kwargs):
    kwargs.setdefault("num_workers", 2)
    return ocean.make(name, num_envs=num_envs, backend="multiprocess", **kwargs)


def pretend_cores(monkeypatch, cores):
    """Make the backend see `cores` physical cores: whether the parent steps a block of
    its own follows from that (and which path a test takes should not hang on the machine)."""
    monkeypatch.setattr("ocean.multiprocess.cores.physical_cores", lambda: cores)


@pytest.fixture(params=[True, False], ids=["parent steps block 0", "processes step all"])
def parent_block(request, monkeypatch):
    """Both layouts of a whole-batch env: 2 workers on a machine of 2 cores (the parent steps
    block 0) and of 64 (processes step every block)."""
    pretend_cores(monkeypatch, 2 if request.param else 64)
    return request.param


# ---- same results as serial ----

def record(env, actions):
    """Step env on each row of actions; copies of everything step() returned."""
    steps = []
    for row in actions:
        obs, rewards, terminals, truncations, info = env.step(row)
        steps.append((obs.copy(), rewards.copy(), terminals.copy(), truncations.copy(), info))
    return steps


@pytest.mark.parametrize("name", GAMES)
def test_matches_serial_bit_for_bit_over_10000_steps(name, parent_block):
    serial = ocean.make(name, num_envs=4, seed=7)
    multi = make(name, num_envs=4, seed=7)
    rng = np.random.default_rng(0)
    try:
        assert multi.parent_block == parent_block
        assert np.array_equal(serial.reset()[0], multi.reset()[0])
        episodes = 0
        for chunk in range(20):  # 500 steps of one env, then the other's: the loop stays tight
            if chunk == 10:  # reseeding goes through the workers too, all 64 bits of it
                seed = 2**64 - 3
                assert np.array_equal(serial.reset(seed=seed)[0], multi.reset(seed=seed)[0])
            actions = rng.integers(0, serial.single_action_space.n, (500, serial.num_agents))
            for t, (expected, got) in enumerate(zip(record(serial, actions),
                                                    record(multi, actions))):
                for a, b in zip(expected, got):
                    assert np.array_equal(a, b) if isinstance(a, np.ndarray) else a == b, \
                        f"step {chunk * 500 + t}"
                episodes += got[4].get("episodes", 0)
        assert episodes > 0, "no episode ended: the info comparison above proved nothing"
    finally:
        serial.close()
        multi.close()


@pytest.mark.parametrize("name", GAMES)
def test_send_recv_steps_each_env_as_serial_and_covers_every_env_once_per_round(name):
    """Env i gets actions[t, i] on its t-th step, whichever batch order recv() picks; every
    round of recv() calls returns every env once, and the rows match the serial env's."""
    num_envs, batch_size, rounds = 8, 2, 300
    serial = ocean.make(name, num_envs=num_envs, seed=3)
    multi = make(name, num_envs=num_envs, num_workers=4, batch_size=batch_size, seed=3)
    actions = np.random.default_rng(1).integers(0, serial.single_action_space.n,
                                                (rounds, serial.num_agents))
    try:
        expected = (serial.reset()[0], None, None, None)
        multi.async_reset()
        for t in range(rounds):
            ids_this_round = []
            for _ in range(num_envs // batch_size):
                obs, rewards, terminals, truncations, info, ids = multi.recv()
                ids_this_round.extend(ids)
                for a, b in zip(expected, (obs, rewards, terminals, truncations)):
                    if a is not None:
                        assert np.array_equal(a[ids], b), f"round {t}"
                if t + 1 < rounds:
                    multi.send(actions[t, ids], ids)
            assert sorted(ids_this_round) == list(range(serial.num_agents)), f"round {t}"
            expected = serial.step(actions[t])[:4]
    finally:
        serial.close()
        multi.close()


# ---- workers never import the user's script ----

UNGUARDED = """
import numpy as np, ocean
env = ocean.make("breakout", num_envs=64, seed=3, backend="multiprocess", num_workers=2)
env.reset(seed=3)
for _ in range(1000):
    env.step(np.random.randint(0, 3, 64))
    record(env)
env.close()
"""
# Around it (and around the same loop in a function of a module): the actions each step
# took and a digest of what it returned (step() returns the env's buffers), for a serial
# replay.
RECORDER = """
import hashlib, sys
import numpy as np
actions, digest = [], hashlib.sha256()
def record(env):
    actions.append(env.actions.copy())
    for array in (env.observations, env.rewards, env.terminals, env.truncations):
        digest.update(array.tobytes())
"""
REPORT = """
np.save(sys.argv[1], np.array(actions))
print(digest.hexdigest())
"""


def serial_digest(actions):
    """The digest RECORDER computes, of a serial env stepped on `actions`."""
    env = ocean.make("breakout", num_envs=64, seed=3)
    env.reset(seed=3)
    digest, terminals = hashlib.sha256(), 0
    for row in actions:
        for array in env.step(row)[:4]:
            digest.update(array.tobytes())
        terminals += int(env.terminals.sum())
    env.close()
    assert terminals > 0, "no episode ended: the flags in the digest proved nothing"
    return digest.hexdigest()


@pytest.mark.parametrize("how", ["script", "module", "stdin"])
def test_unguarded_code_runs_and_matches_serial_bit_for_bit(how, tmp_path):
    """No `if __name__ == "__main__":` anywhere: a plain script; the same loop in a function
    of a module the script imports; and code with no file at all, as Jupyter runs it."""
    script = tmp_path / "script.py"
    if how == "module":
        body = textwrap.indent(UNGUARDED, "    ")
        (tmp_path / "envs.py").write_text(f"def run(record):{body}")
        script.write_text(RECORDER + "import envs\nenvs.run(record)\n" + REPORT)
    else:
        script.write_text(RECORDER + UNGUARDED + REPORT)
    out = tmp_path / "actions.npy"
    command = [sys.executable, "-" if how == "stdin" else str(script), str(out)]
    result = subprocess.run(command, cwd=tmp_path, capture_output=True, text=True,
                            timeout=300, input=script.read_text() if how == "stdin" else None)
    assert result.returncode == 0, result.stderr
    assert result.stderr == ""
    actions = np.load(out)
    assert actions.shape == (1000, 64)
    assert result.stdout.strip() == serial_digest(actions)


def test_worker_that_fails_while_starting_shows_its_error_and_raises(tmp_path):
    """A worker that cannot start (here: its numpy is broken, the parent's is not) prints its
    traceback on the parent's stderr, and make() raises WorkerError naming the worker."""
    (tmp_path / "numpy").mkdir()
    (tmp_path / "numpy" / "__init__.py").write_text(
        "raise ImportError('this numpy is broken on purpose')")
    result = subprocess.run([sys.executable, "-c", textwrap.dedent("""
        import sys
        import ocean
        sys.path.insert(0, sys.argv[1])  # workers import what the parent's path finds first
        try:
            ocean.make("pong", num_envs=4, backend="multiprocess", num_workers=2)
        except ocean.WorkerError as error:
            print(error)
    """), str(tmp_path)], cwd=ROOT, capture_output=True, text=True, timeout=300)
    assert result.returncode == 0, result.stderr
    assert "ImportError: this numpy is broken on purpose" in result.stderr
    assert "Traceback" in result.stderr
    assert re.fullmatch(r"pong: worker \d \(pid \d+, envs \d\.\.\d\) exited with code 1 "
                        r"while starting; its error is printed above \(workers write to this "
                        r"process's stderr\)\n", result.stdout), result.stdout


def test_step_rejects_bad_actions_before_any_worker_steps():
    serial, multi = ocean.make("pong", num_envs=4, seed=1), make(seed=1)
    try:
        serial.reset()
        multi.reset()
        with pytest.raises(ValueError, match="action 7 at index 2"):
            multi.step(np.array([0, 1, 7, 0]))
        good = np.array([2, 1, 0, 2])
        assert np.array_equal(serial.step(good)[0], multi.step(good)[0])
    finally:
        serial.close()
        multi.close()


# ---- faults and cleanup ----

def test_killed_worker_raises_and_cleans_up(parent_block):
    env = make(num_envs=6, num_workers=3)
    env.reset()
    assert len(env.workers) == 3 - parent_block
    segment = f"{SHM}/{env.segment_name}"
    assert os.path.exists(segment)
    os.kill(env.workers[1].pid, signal.SIGKILL)
    raised = []
    envs = "4..5" if parent_block else "2..3"  # its block: the second after the parent's

    def step():
        with pytest.raises(WorkerError, match=rf"worker 1 \(pid \d+, envs {envs}\) was killed "
                                              rf"by SIGKILL"):
            env.step(np.zeros(6, dtype=np.int32))
        raised.append(True)

    thread = threading.Thread(target=step, daemon=True)  # a hang fails, not blocks, the test
    thread.start()
    thread.join(timeout=HANG_GUARD_S)
    assert not thread.is_alive(), f"step() hangs: {HANG_GUARD_S} s after its worker was killed"
    assert raised
    assert env.closed and not os.path.exists(segment)
    assert [p.returncode for p in env.workers] == [0, -signal.SIGKILL, 0][:len(env.workers)]
    assert not any(running(p.pid) or os.path.exists(f"/proc/{p.pid}") for p in env.workers)
    with pytest.raises(WorkerError, match="killed by SIGKILL"):  # and stays failed
        env.reset()


def test_killed_worker_fails_the_next_recv_even_if_its_batch_is_not_awaited():
    env = make(num_envs=4, batch_size=2)
    env.async_reset()
    ids = env.recv()[-1]
    sent = int(ids[0]) // 2  # batch w is worker w here; the other one is done resetting
    env.send(np.zeros(2, dtype=np.int32), ids)
    os.kill(env.workers[sent].pid, signal.SIGKILL)
    env.workers[sent].wait()
    with pytest.raises(WorkerError, match=f"worker {sent} "):
        env.recv()  # would return the other batch, which needs nothing from the dead one
    assert not any(running(p.pid) for p in env.workers)


def test_close_stops_workers_unlinks_memory_and_keeps_returned_arrays_readable(parent_block):
    env = make(num_envs=4)
    obs, _ = env.reset(seed=0)
    snapshot = obs.copy()
    workers, segment = env.workers, f"{SHM}/{env.segment_name}"
    env.close()
    env.close()  # idempotent
    assert [p.returncode for p in workers] == [0] * (2 - parent_block)
    assert not os.path.exists(segment)
    assert np.array_equal(obs, snapshot)  # still mapped while we hold it: no segfault
    with pytest.raises(RuntimeError, match="closed"):
        env.step(np.zeros(4, dtype=np.int32))


def test_garbage_collected_env_cleans_up(parent_block):
    env = make(num_envs=2)
    workers, segment = env.workers, f"{SHM}/{env.segment_name}"
    del env
    gc.collect()
    assert [p.returncode for p in workers] == [0] * (2 - parent_block)
    assert not os.path.exists(segment)


def run_script(body, cores=None):
    """Start a Python process running body (env made, names printed), in its own session
    like a terminal job; returns (process, segment path, worker pids). cores: the physical
    cores the backend sees there (None: the machine's)."""
    pretend = f"ocean.multiprocess.cores.physical_cores = lambda: {cores}" if cores else ""
    script = textwrap.dedent(f"""
        # Ctrl-C raises KeyboardInterrupt as in a terminal, even if the tests were started
        # with SIGINT ignored (as a shell starts a background job):
        import signal
        signal.signal(signal.SIGINT, signal.default_int_handler)
        import numpy as np, ocean, ocean.multiprocess
        {pretend}
        env = ocean.make("pong", num_envs=4, backend="multiprocess", num_workers=2)
        env.reset(seed=0)
        print(env.segment_name, *[p.pid for p in env.workers], flush=True)
        actions = np.zeros(4, dtype=np.int32)
    """) + textwrap.dedent(body)
    process = subprocess.Popen([sys.executable, "-c", script], cwd=ROOT, text=True,
                               stdout=subprocess.PIPE, stderr=subprocess.PIPE,
                               start_new_session=True)
    line = process.stdout.readline().split()
    assert line, process.communicate(timeout=60)[1]
    return process, f"{SHM}/{line[0]}", [int(pid) for pid in line[1:]]


def test_ctrl_c_in_a_script_cleans_up_processes_and_memory(parent_block):
    process, segment, pids = run_script("""
        while True:
            env.step(actions)
    """, cores=2 if parent_block else 64)
    assert len(pids) == 2 - parent_block
    assert os.path.exists(segment) and all(running(pid) for pid in pids)
    os.killpg(process.pid, signal.SIGINT)  # what Ctrl-C in a terminal does: the whole group
    try:
        _, stderr = process.communicate(timeout=60)
    except subprocess.TimeoutExpired:
        alive = {pid: running(pid) for pid in [process.pid, *pids]}
        os.killpg(process.pid, signal.SIGKILL)
        pytest.fail(f"60 s after Ctrl-C, running (script first, then workers): {alive}; "
                    f"stderr: {process.communicate(timeout=10)[1][-2000:]}")
    assert "KeyboardInterrupt" in stderr
    assert "leaked" not in stderr, stderr  # the resource tracker had nothing to clean up
    assert not any(running(pid) for pid in pids)
    assert not os.path.exists(segment)


def test_steps_interrupted_anywhere_leave_an_env_that_resets_to_serial(parent_block):
    """A KeyboardInterrupt (here: an exception from a timer's signal handler) may land at any
    line of step(), also between the parent's command and its own block's step. reset() then
    finishes whatever was started, and the env goes on exactly as serial."""
    class Interrupt(Exception):
        pass

    def interrupt(signum, frame):
        raise Interrupt

    serial, multi = ocean.make("pong", num_envs=4, seed=3), make(num_envs=4, seed=3)
    rng = np.random.default_rng(4)
    actions = rng.integers(0, 3, (300, 4))
    previous = signal.signal(signal.SIGALRM, interrupt)
    inside = 0
    try:
        multi.reset()
        for row in actions:
            try:
                signal.setitimer(signal.ITIMER_REAL, rng.uniform(1e-6, 4e-5))
                multi.step(row)
                signal.setitimer(signal.ITIMER_REAL, 0)  # one that has not fired never will
            except Interrupt as error:
                frames = [frame.f_code.co_name for frame, _ in
                          traceback.walk_tb(error.__traceback__)]
                inside += "step" in frames
            multi.reset()
        signal.setitimer(signal.ITIMER_REAL, 0)
        assert inside >= 10, f"only {inside} interrupts landed inside step(): proved little"
        assert np.array_equal(serial.reset(seed=9)[0], multi.reset(seed=9)[0])
        for row in actions:
            assert all(np.array_equal(a, b) for a, b in zip(serial.step(row)[:4],
                                                              multi.step(row)[:4]))
    finally:
        signal.setitimer(signal.ITIMER_REAL, 0)
        signal.signal(signal.SIGALRM, previous)
        serial.close()
        multi.close()


def test_exit_without_close_cleans_up():
    process, segment, pids = run_script("""
        env.step(actions)
    """)
    _, stderr = process.communicate(timeout=60)
    assert process.returncode == 0, stderr
    assert stderr == ""
    assert not any(running(pid) for pid in pids)
    assert not os.path.exists(segment)


@pytest.mark.parametrize("killed", ["parent", "its process group"])
def test_workers_exit_and_memory_is_freed_when_the_parent_is_killed(killed):
    """No atexit, no finaliser: the workers notice that their parent is gone, and the
    segment is unlinked, also when the parent's resource tracker (in its process group)
    died with it."""
    process, segment, pids = run_script("""
        import time
        while True:
            time.sleep(1)
    """)
    if killed == "parent":
        process.kill()
    else:
        os.killpg(process.pid, signal.SIGKILL)
    process.communicate(timeout=60)
    wait_until(lambda: not any(running(pid) for pid in pids))
    wait_until(lambda: not os.path.exists(segment))


# ---- misuse: clear errors ----

@pytest.mark.parametrize("kwargs, message", [
    (dict(num_workers=0), "num_workers must be a positive integer, got 0"),
    (dict(num_workers=-2), "num_workers must be a positive integer"),
    (dict(num_workers=1.5), "num_workers must be a positive integer"),
    (dict(num_workers=True), "num_workers must be a positive integer"),
    (dict(num_workers=4), r"num_envs=6 does not split evenly over num_workers=4: use "
                          r"num_workers=3 or 6 \(divisors of 6\), or num_envs=4 or 8"),
    (dict(num_workers=7), r"use num_workers=6 \(divisors of 6\), or num_envs=7"),
    (dict(num_workers=3, batch_size=4), "valid batch sizes are 2, 6"),
    (dict(num_workers=3, batch_size=1), "valid batch sizes are 2, 6"),
    (dict(num_workers=2, batch_size=0), "batch_size must be a positive integer, got 0"),
    (dict(backend="threads"), "backend must be one of 'serial', 'multiprocess', got 'threads'"),
    (dict(backend="serial", num_workers=2), "num_workers=2 needs backend='multiprocess'"),
    (dict(backend="serial", batch_size=3), "batch_size=3 needs backend='multiprocess'"),
])
def test_bad_backend_arguments_raise_clear_errors(kwargs, message):
    kwargs.setdefault("backend", "multiprocess")
    with pytest.raises(ValueError, match=message):
        ocean.make("pong", num_envs=6, **kwargs)


def test_default_num_workers_is_the_largest_divisor_up_to_the_physical_cores():
    env = ocean.make("pong", num_envs=6, backend="multiprocess")
    try:
        assert env.num_workers == max(d for d in range(1, physical_cores() + 1) if 6 % d == 0)
        assert len(env.workers) == env.num_workers - env.parent_block
        assert all(isinstance(p, subprocess.Popen) and p.poll() is None for p in env.workers)
        assert len({p.pid for p in env.workers} | {os.getpid()}) == len(env.workers) + 1
    finally:
        env.close()


def test_parent_steps_a_block_only_for_whole_batches_that_fill_the_cores(monkeypatch):
    """Stepping every env at once, the parent steps block 0 when the workers fill the cores
    (it would only sleep, and wake, beside them) and not with a core to spare, nor with
    batches (a trainer infers meanwhile) or a single worker (that would be the serial
    backend). send() returns at once, and recv() steps the parent's block."""
    layouts = [(2, dict(num_workers=2), True), (2, dict(num_workers=4), True),
               (1, dict(num_workers=2), True), (4, dict(num_workers=2), False),
               (2, dict(num_workers=2, batch_size=2), False), (1, dict(num_workers=1), False)]
    for cores, kwargs, expected in layouts:
        pretend_cores(monkeypatch, cores)
        env = make(num_envs=4, seed=5, **kwargs)
        try:
            assert env.parent_block == expected, (cores, kwargs)
            assert len(env.workers) == env.num_workers - expected
            assert all(isinstance(p, subprocess.Popen) and p.poll() is None
                       for p in env.workers)
        finally:
            env.close()
    pretend_cores(monkeypatch, 2)
    serial, multi = ocean.make("pong", num_envs=4, seed=5), make(num_envs=4, seed=5)
    actions = np.random.default_rng(2).integers(0, 3, (50, 4))
    try:
        expected = serial.reset()[0]
        multi.async_reset()
        for row in actions:
            obs, *_, ids = multi.recv()
            assert np.array_equal(ids, np.arange(4)) and np.array_equal(obs, expected)
            multi.send(row, ids)
            assert multi._control[0, _sync.DONE] != multi._control[0, _sync.REQUEST]
            expected = serial.step(row)[0]
    finally:
        serial.close()
        multi.close()


def test_async_misuse_raises_clear_errors():
    env = make(num_envs=4, batch_size=2)
    try:
        with pytest.raises(RuntimeError, match="call reset"):
            env.send(np.zeros(2, dtype=np.int32), np.arange(2))
        env.async_reset(seed=0)
        with pytest.raises(RuntimeError, match="still pending; recv"):
            env.step(np.zeros(4, dtype=np.int32))
        obs, *_, ids = env.recv()
        with pytest.raises(ValueError, match="not a batch recv"):
            env.send(np.zeros(2, dtype=np.int32), ids[::-1])
        with pytest.raises(ValueError, match="actions must have shape"):
            env.send(np.zeros(4, dtype=np.int32), ids)
        env.send(np.zeros(2, dtype=np.int32))  # None: the batch recv() returned last
        env.recv()
        env.recv()
        with pytest.raises(RuntimeError, match="nothing to recv"):
            env.recv()
        env.reset()  # back to whole steps
        env.step(np.zeros(4, dtype=np.int32))
    finally:
        env.close()


class FakeKernel:
    """A clock and a run-delay counter the test moves by hand."""
    def __init__(self):
        self.now, self.delay = 100.0, 5.0

    def wait(self, seconds, waiting_share):
        self.now += seconds
        self.delay += waiting_share * seconds


def test_spinner_backs_off_only_when_the_parent_waits_for_its_core():
    from ocean.multiprocess.cores import CONTENDED_SHARE, SPIN_BACKOFF_S, Spinner
    kernel = FakeKernel()
    spinner = Spinner(1e-3, delay=lambda: kernel.delay, clock=lambda: kernel.now)

    def look(share):  # waits for a look's worth of time, then whether it spins next
        for _ in range(5):
            kernel.wait(Spinner.LOOK_S / 4, share)
            spinner.stop()
        return spinner.start()

    assert look(CONTENDED_SHARE / 4) == 1e-3  # kernel threads preempting it now and then
    assert look(CONTENDED_SHARE * 2) == 0.0   # others want the core: sleep at once
    backed_off_at = kernel.now
    while spinner.start() == 0.0:
        look(0.0)
    backed_off_for = kernel.now - backed_off_at
    assert SPIN_BACKOFF_S - Spinner.LOOK_S <= backed_off_for <= SPIN_BACKOFF_S + 2 * Spinner.LOOK_S
    kernel.wait(10 * Spinner.LOOK_S, 1.0)  # a long gap between waits (a training update)...
    spinner.stop()
    assert spinner.start() == 1e-3         # ...says nothing about contention while waiting
    blind = Spinner(1e-3, delay=lambda: None, clock=lambda: kernel.now)
    kernel.wait(Spinner.LOOK_S, 1.0)       # no schedstat: never backs off
    blind.stop()
    assert blind.start() == 1e-3


def test_spinner_reads_the_run_delay_the_kernel_keeps_for_this_thread():
    """The spinner's input exists on Linux: seconds, never decreasing. That busy processes
    make it back off on the real kernel depends on the scheduler, so
    benchmarks/multiprocess_timing.py measures it."""
    first = cores.run_delay()
    assert first is not None, "/proc/thread-self/schedstat is missing: the spinner is blind"
    assert 0.0 <= first <= cores.run_delay()


def test_flags_hand_commands_between_processes_under_sanitizers(c_program):
    """csrc/sync.h on its own, between forked processes, with ASan and UBSan."""
    assert c_program("tests/c/test_sync.c")().strip() == "ok"


def test_shared_rows_refuse_corrupt_ended_lists_instead_of_reading_out_of_bounds():
    from ocean import _core
    rows, workers = 8, 2
    actions, logs = np.zeros(rows, np.int32), np.ones((rows, 2), np.float32)
    ended, counts, sums = np.zeros(rows, np.int32), np.zeros(workers, np.int64), np.zeros(2)
    shared = _core.SharedRows(actions, logs, ended, counts, sums, 3, ["score"])
    counts[1], ended[4] = 1, 3  # worker 1 lists its row 3 (agent 7): fine
    assert shared.collect(0, 2) == {"score": 1.0, "episodes": 1}
    with pytest.raises(IndexError, match="out of range"):
        shared.collect(0, 3)
    counts[1] = 5  # more ended rows than the worker has
    with pytest.raises(RuntimeError, match="worker 1's list of ended rows is corrupt"):
        shared.collect(0, 2)
    counts[1], ended[4] = 1, 4  # a row past the worker's block
    with pytest.raises(RuntimeError, match="corrupt"):
        shared.collect(0, 2)
    with pytest.raises(ValueError, match="one row per agent"):
        _core.SharedRows(actions, logs[:7], ended, counts, sums, 3, ["score"])
