"""The README's promises about the repo itself."""
import subprocess

from conftest import ROOT


def readme_commands():
    """The command lines of the README's first code block: build and bench, then test."""
    block = (ROOT / "README.md").read_text().split("```")[1]
    return [line.strip() for line in block.splitlines() if line.strip()]


def test_ci_runs_the_readme_test_command():
    main_job, tests = readme_commands()
    assert "pytest" in tests and "pytest" not in main_job
    ci = (ROOT / ".ci" / "run").read_text()
    assert tests in ci.splitlines(), "README's test command must be the one .ci/run runs"


def test_the_readme_test_command_installs_the_system_packages_first():
    """On a fresh machine the window tests need Xvfb, xdotool and software OpenGL, and the
    C tests a compiler: .ci/setup installs them, before anything else runs."""
    _, tests = readme_commands()
    assert tests.startswith("bash .ci/setup && ")
    setup = ROOT / ".ci" / "setup"
    for package in ("build-essential", "xvfb", "xdotool", "libgl1-mesa-dri", "sudo"):
        assert package in setup.read_text(), package
    assert subprocess.run(["bash", "-n", str(setup)]).returncode == 0  # it parses
