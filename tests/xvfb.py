"""A virtual X display (Xvfb) for the window tests, where there is no screen; a user (and
benchmarks/render.py) runs `xvfb-run ocean play ...` instead."""
import os
import select
import subprocess
from contextlib import contextmanager


@contextmanager
def virtual_display(timeout=30.0):
    """Start Xvfb and yield its DISPLAY (":N"); stop it on exit. -displayfd makes Xvfb pick a
    free display number and write it to us once it accepts connections. -noreset: by
    default Xvfb starts over when its last client leaves and writes the number again, and
    dies if nobody reads that pipe any more. RuntimeError if it does not come up in
    `timeout` seconds."""
    read_end, write_end = os.pipe()
    try:
        server = subprocess.Popen(["Xvfb", "-displayfd", str(write_end), "-screen", "0",
                                   "1280x1024x24", "-nolisten", "tcp", "-noreset"],
                                  pass_fds=(write_end,), stderr=subprocess.DEVNULL)
    finally:
        os.close(write_end)
    try:
        ready, _, _ = select.select([read_end], [], [], timeout)
        number = os.read(read_end, 64).decode().strip() if ready else ""
        if not number:
            raise RuntimeError(f"Xvfb did not report a display within {timeout:g} s")
        yield f":{number}"
    finally:
        server.terminate()
        server.wait(timeout=timeout)
        os.close(read_end)
