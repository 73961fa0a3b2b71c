# cython: language_level=3, boundscheck=False, wraparound=False, initializedcheck=False, cdivision=True
"""The multiprocess backend's flags in shared memory (csrc/sync.h holds the protocol and
the waits): a thin layer over its functions for ocean/multiprocess, plus `run`, a worker's
turn, which the parent also runs for a block it steps itself.

`rows` is the shared int64 array of flags: one row per worker, then one shared row."""

from libc.stdint cimport int32_t, int64_t, uint64_t

cdef extern from "sync.h" nogil:
    enum:
        OCEAN_REQUEST, OCEAN_COMMAND, OCEAN_SEED, OCEAN_HAS_SEED, OCEAN_DONE, OCEAN_ENDED,
        OCEAN_ROW_WORDS, OCEAN_STEP, OCEAN_RESET, OCEAN_CLOSE
    void ocean_command(int64_t *row, int64_t code)
    int ocean_wait_done(int64_t *rows, int64_t *shared, const int32_t *firsts, int num_groups,
                        int count, double waited, double slice_s, double spin_s)
    int64_t ocean_wait_request(int64_t *row, int64_t seen, double waited, double slice_s,
                               double spin_s)
    void ocean_finish(int64_t *row, int64_t *shared, int64_t request)

REQUEST, COMMAND, SEED, HAS_SEED, DONE, ENDED, ROW_WORDS = (
    OCEAN_REQUEST, OCEAN_COMMAND, OCEAN_SEED, OCEAN_HAS_SEED, OCEAN_DONE, OCEAN_ENDED,
    OCEAN_ROW_WORDS)
STEP, RESET, CLOSE = OCEAN_STEP, OCEAN_RESET, OCEAN_CLOSE  # commands


def run(batch, int64_t[:, ::1] rows, int worker, int32_t[::1] ended, int64_t request):
    """Carry out worker `worker`'s command of request `request` on `batch` (its _core.Batch):
    for STEP or RESET, write the rows whose episodes ended into `ended` and their count into
    ENDED, publish that it is done and return True; for CLOSE return False. The command is
    read once, here: close() may overwrite it at any time. The parent runs this for the block
    it steps itself: compiled code that runs no Python bytecode, so a Ctrl-C lands before it
    or after it, never between the step and its flag."""
    cdef int64_t *row = &rows[worker, 0]
    cdef int64_t command = row[OCEAN_COMMAND]
    if command == OCEAN_STEP:
        batch.step_checked()  # on the actions the parent checked and copied
    elif command == OCEAN_RESET:
        batch.reset(<uint64_t>row[OCEAN_SEED] if row[OCEAN_HAS_SEED] else None)
    else:
        return False
    row[OCEAN_ENDED] = batch.list_ended(ended)
    ocean_finish(row, &rows[rows.shape[0] - 1, 0], request)
    return True


def command(int64_t[:, ::1] rows, int first, int count, int64_t code):
    """Give workers first..first+count-1 the command `code` (write the other columns it
    reads, such as SEED, before calling)."""
    for w in range(first, first + count):
        ocean_command(&rows[w, 0], code)


def wait_done(int64_t[:, ::1] rows, const int32_t[::1] firsts, int count, double waited,
              double slice_s, double spin_s):
    """Wait until, for one of the groups of `count` workers starting at `firsts`, every
    worker has finished its last command. Returns that group's index in firsts (the first
    such, in the given order), or -1 once slice_s has passed. `waited` is how long the
    caller has waited already (it spins while waited < spin_s, then sleeps)."""
    cdef int group
    cdef int64_t *shared = &rows[rows.shape[0] - 1, 0]
    with nogil:
        group = ocean_wait_done(&rows[0, 0], shared, &firsts[0], <int>firsts.shape[0], count,
                                waited, slice_s, spin_s)
    return group


def wait_request(int64_t[:, ::1] rows, int worker, int64_t seen, double waited,
                 double slice_s, double spin_s):
    """Worker side: wait until REQUEST differs from `seen`; returns it (== seen once
    slice_s has passed without a request). Spins while waited < spin_s, then sleeps."""
    cdef int64_t request
    with nogil:
        request = ocean_wait_request(&rows[worker, 0], seen, waited, slice_s, spin_s)
    return request


def finish(int64_t[:, ::1] rows, int worker, int64_t request):
    """Worker side: publish that the command of `request` is done (results written)."""
    ocean_finish(&rows[worker, 0], &rows[rows.shape[0] - 1, 0], request)
