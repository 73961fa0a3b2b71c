"""Shared test helpers."""
import functools
import pathlib
import shutil
import subprocess

import numpy as np
import pytest

ROOT = pathlib.Path(__file__).resolve().parent.parent
C_FLAGS = ["-std=c11", "-O1", "-g", "-Wall", "-Wextra", "-Werror",
           "-fsanitize=address,undefined", "-fno-sanitize-recover=all",
           f"-I{ROOT / 'csrc'}", f"-I{ROOT}"]


def actions_taken(policy, env, steps=5):
    """The actions a policy (observations -> actions) takes in `steps` steps of `env` from a
    reset, as a (steps, agents) array."""
    obs, _ = env.reset()
    taken = []
    for _ in range(steps):
        taken.append(policy(obs))
        obs, *_ = env.step(taken[-1])
    return np.array(taken)


def fails(argv, capsys):
    """Run the `ocean` command, expect it to exit with an error; returns everything it
    printed."""
    from ocean.cli import main  # here: the C and repo tests run without the extension built
    with pytest.raises(SystemExit) as exit_info:
        main(argv)
    assert exit_info.value.code != 0
    captured = capsys.readouterr()
    return " ".join(f"{captured.out} {captured.err} {exit_info.value.code}".split())


@pytest.fixture(scope="session")
def c_program(tmp_path_factory):
    """c_program("tests/c/test_x.c") compiles a C test (sanitizers on, warnings are errors;
    once a session) and returns a function running it with arguments; a non-zero exit fails
    the test with its output."""
    if shutil.which("cc") is None:
        pytest.fail("a C compiler (cc) is needed for the C tests: bash .ci/setup installs "
                    "one (as root or with sudo)")
    build = tmp_path_factory.mktemp("c")

    @functools.cache
    def compile_source(source):
        source = ROOT / source
        binary = build / source.stem
        subprocess.run(["cc", *C_FLAGS, "-o", str(binary), str(source), "-lm"], check=True)

        def run(*args, timeout=300):
            result = subprocess.run([str(binary), *map(str, args)], capture_output=True,
                                    text=True, timeout=timeout)
            assert result.returncode == 0, f"{source.name} failed:\n{result.stdout}\n{result.stderr}"
            return result.stdout
        return run
    return compile_source
