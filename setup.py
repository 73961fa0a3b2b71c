"""Builds ocean._core: the Cython batch driver compiled together with every game header
(csrc/games.h lists them), and two small helpers (ocean._sync,
ocean._elliptical). Set OCEAN_DEBUG=1 for -O0 -g."""
import glob
import os
import platform

from Cython.Build import cythonize
from setuptools import Extension, setup

debug = os.environ.get("OCEAN_DEBUG") == "1"
flags = ["-O0", "-g"] if debug else ["-O3", "-fno-math-errno"]
if platform.machine() == "x86_64" and not debug:
    flags.append("-march=x86-64-v2")  # SSE4.2: every x86-64 CPU of the last decade

extensions = [
    Extension(
        "ocean._core",
        sources=["bindings/core.pyx"],
        include_dirs=["csrc"],
        depends=glob.glob("csrc/*.h") + glob.glob("ocean/*/*.h"),  # rebuild when a game changes
        extra_compile_args=flags + ["-std=c11", "-Wno-unused-function"],
    ),
    # Flags in shared memory for the multiprocess backend (ocean/multiprocess/).
    Extension("ocean._sync", sources=["bindings/sync.pyx"], include_dirs=["csrc"],
              depends=["csrc/sync.h"],
              extra_compile_args=flags + ["-Wall", "-Wextra", "-Werror"]),
    # E3B's bonus loop for CPU training (ocean/train/e3b.py).
    Extension("ocean._elliptical", sources=["bindings/elliptical.pyx"], include_dirs=["csrc"],
              depends=["csrc/elliptical.h"], extra_compile_args=flags + ["-std=c11"]),
]

setup(ext_modules=cythonize(extensions, compiler_directives={"language_level": 3}))
