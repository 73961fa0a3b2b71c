"""The shared-memory segment of a multiprocess env. One POSIX shared-memory segment holds
every array the parent and its workers share: the command flags (csrc/sync.h), the env's
buffers (observations, actions, rewards, flags, episode logs) and each block's list of
ended rows. The parent creates it from `segment_specs`; a worker maps the same segment by
name and finds every array at the same offsets (`layout`). Segments are files under
/dev/shm (Linux)."""
import ctypes
import mmap
import os
import secrets
from multiprocessing import shared_memory

import numpy as np

from ocean import _core, _sync

SHM_DIR = "/dev/shm"
SEGMENT_PREFIX = "ocean_"
ALIGN = 64  # every array starts on its own cache line
BUFFERS = ("observations", "actions", "rewards", "terminals", "truncations", "logs")


def segment_specs(num_workers, num_agents, observation_space, num_log):
    """(name, shape, dtype) of every array in the segment, in order: the flags (one row per
    worker, then a shared row), the env's buffers, the actions the envs step on (checked
    copies the parent writes; not env.actions, which the user may write any time), the
    ended rows. Lists and dtype strings, so a worker receives the same specs through JSON."""
    n = num_agents
    specs = [("control", (num_workers + 1, _sync.ROW_WORDS), np.int64),
             ("observations", (n, *observation_space.shape), observation_space.dtype),
             ("actions", (n,), np.int32), ("stepped_actions", (n,), np.int32),
             ("rewards", (n,), np.float32),
             ("terminals", (n,), np.bool_), ("truncations", (n,), np.bool_),
             ("logs", (n, num_log + 1), np.float32), ("ended", (n,), np.int32)]
    return [[name, list(shape), np.dtype(dtype).str] for name, shape, dtype in specs]


def layout(specs):
    """Byte offsets of each (name, shape, dtype) in one segment, and its total size."""
    offsets, size = {}, 0
    for name, shape, dtype in specs:
        offsets[name] = size
        size += -(-int(np.prod(shape)) * np.dtype(dtype).itemsize // ALIGN) * ALIGN
    return offsets, size


def check_shared_memory(size, path=SHM_DIR):
    """Raise if Linux's shared-memory filesystem is missing or cannot hold `size` bytes: a
    segment larger than it is created anyway, and the first write past the space kills with
    SIGBUS."""
    if not os.path.isdir(path):
        raise RuntimeError(f"the multiprocess backend keeps its shared memory in {path}, "
                           f"which this system lacks (it needs Linux); use backend='serial'")
    stats = os.statvfs(path)
    free = stats.f_bavail * stats.f_frsize
    if size > free:
        raise MemoryError(f"the multiprocess backend needs {size / 2**20:.1f} MiB of shared "
                          f"memory but {path} has {free / 2**20:.1f} MiB free: use fewer envs, "
                          f"or give it more (in Docker: --shm-size)")


def create(specs):
    """(segment, {name: array}): a new segment laid out for `specs`. multiprocessing's
    resource tracker unlinks it if this process dies without doing so."""
    size = layout(specs)[1]
    check_shared_memory(size)
    segment = shared_memory.SharedMemory(
        create=True, size=size, name=f"{SEGMENT_PREFIX}{os.getpid()}_{secrets.token_hex(4)}")
    return segment, views(segment.buf, segment, specs)


def attach(name, specs):
    """{name: array} over the parent's segment `name`, mapped into this process. Through
    its file, not shared_memory.SharedMemory: before Python 3.13 that registers the segment
    with a resource tracker of this process's own (one more process per worker), which
    unlinks it when the worker exits."""
    with open(os.path.join(SHM_DIR, name), "r+b") as f:
        buffer = mmap.mmap(f.fileno(), layout(specs)[1])
    return views(buffer, buffer, specs)


def unlink(name):
    """Remove segment `name`, if it is still there."""
    try:
        os.unlink(os.path.join(SHM_DIR, name))
    except FileNotFoundError:
        pass


class Mapping:
    """A segment's bytes, exposed to numpy (`np.asarray(Mapping(buffer, owner))`) with this
    object as the arrays' base: the segment stays mapped while any array over it lives, and
    `owner.close()` unmaps it after the last one goes, so arrays a user still holds after
    close() stay valid. (Arrays made straight from the buffer would make closing it fail
    instead.)"""

    def __init__(self, buffer, owner):
        self.owner = owner
        anchor = ctypes.c_char.from_buffer(buffer)
        address = ctypes.addressof(anchor)
        del anchor  # release the buffer export; the address stays valid while mapped
        self.__array_interface__ = {"data": (address, False), "shape": (len(buffer),),
                                    "typestr": "|u1", "version": 3}

    def __del__(self):
        self.owner.close()


def views(buffer, owner, specs):
    """{name: numpy array} over the mapped segment `buffer` (closed by owner.close() once
    no array is left), laid out by `layout(specs)`."""
    whole = np.asarray(Mapping(buffer, owner))
    offsets, _ = layout(specs)
    arrays = {}
    for name, shape, dtype in specs:
        nbytes = int(np.prod(shape)) * np.dtype(dtype).itemsize
        start = offsets[name]
        arrays[name] = whole[start:start + nbytes].view(dtype).reshape(shape)
    return arrays


def block_batch(game, block, games_per_block, config_values, arrays):
    """(the _core.Batch of block `block` over the shared buffers in `arrays`, the block's
    rows of the ended list): what a worker steps, or the parent for block 0."""
    rows = arrays["actions"].shape[0] // (arrays["control"].shape[0] - 1)  # last row: shared
    rows_of_block = slice(block * rows, (block + 1) * rows)
    batch = _core.Batch(game, games_per_block, config_values,
                        *(arrays[name][rows_of_block] for name in BUFFERS),
                        env_offset=block * games_per_block,
                        stepped_actions=arrays["stepped_actions"][rows_of_block])
    return batch, arrays["ended"][rows_of_block]
