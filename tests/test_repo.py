"""The README's promises about the repo itself."""
from conftest import ROOT


def readme_commands():
    lines = (ROOT / "README.md").read_text().splitlines()
    return [line.strip() for line in lines if line.startswith("pip install")][:2]


def test_ci_runs_the_readme_test_command():
    main_job, tests = readme_commands()
    assert "pytest" in tests and "pytest" not in main_job
    ci = (ROOT / ".ci" / "run").read_text()
    assert tests in ci.splitlines(), "README's test command must be the one .ci/run runs"
