"""The three dependency files agree: pyproject.toml (ranges), requirements.lock (pins), environment.yml (conda)."""

from __future__ import annotations

import re
import tomllib

from packaging.requirements import Requirement

from helpers import paths


def _lock() -> dict[str, str]:
    pins = {}
    for line in (paths.ROOT / "requirements.lock").read_text().splitlines():
        if line and not line.startswith("#"):
            name, version = line.split("==")
            pins[re.sub(r"[-_.]+", "-", name).lower()] = version
    return pins


def test_every_declared_dependency_is_pinned_within_its_range():
    project = tomllib.loads((paths.ROOT / "pyproject.toml").read_text())["project"]
    declared = project["dependencies"] + project["optional-dependencies"]["test"]
    pins = _lock()
    for spec in declared:
        req = Requirement(spec)
        name = re.sub(r"[-_.]+", "-", req.name).lower()
        assert name in pins, f"{req.name} is declared in pyproject.toml but not pinned in requirements.lock"
        assert req.specifier.contains(pins[name], prereleases=True), (
            f"{req.name}=={pins[name]} is outside {req.specifier}"
        )


def test_the_package_builds_with_the_locked_setuptools():
    """`make venv` installs the package without build isolation (no throwaway environment with its own setuptools):
    the lock must pin a setuptools the build system accepts."""
    build = tomllib.loads((paths.ROOT / "pyproject.toml").read_text())["build-system"]
    pins = _lock()
    for spec in build["requires"]:
        req = Requirement(spec)
        assert req.name in pins and req.specifier.contains(pins[req.name]), (spec, pins.get(req.name))
    assert "--no-deps --no-build-isolation -e ." in (paths.ROOT / "Makefile").read_text()


def test_environment_yml_installs_the_lock_and_the_package():
    text = (paths.ROOT / "environment.yml").read_text()
    project = tomllib.loads((paths.ROOT / "pyproject.toml").read_text())["project"]
    assert "python=3.11" in text and project["requires-python"].startswith(">=3.11")
    assert "-r requirements.lock" in text and "-e ." in text


def test_makefile_installs_the_lock_with_uv_and_with_pip_where_uv_cannot():
    """`make venv` installs the lock with uv (pinned in the lock itself); where uv cannot be had or reach an index, pip
    installs the same file. The venv is made without pip: the lock pins pip too."""
    makefile = (paths.ROOT / "Makefile").read_text()
    assert "$(STAMP): requirements.lock pyproject.toml" in makefile
    recipe = makefile.split("$(STAMP): requirements.lock pyproject.toml", 1)[1].split("\n\n", 1)[0]
    uv_line = next(line for line in recipe.splitlines() if "$(UV) -r requirements.lock" in line)
    pip_line = next(line for line in recipe.splitlines() if "pip install" in line and "-r requirements.lock" in line)
    assert uv_line and "--no-deps" in pip_line and "$(PYTHON) -m venv --without-pip" in recipe
    assert "uv" in _lock() and "pip" in _lock()


def test_the_environment_holds_every_pin_of_the_lock():
    """Whatever installed it (uv, or pip where uv could not), the environment the tests run in has each locked
    package at its locked version."""
    from importlib.metadata import PackageNotFoundError, version

    wrong = {}
    for name, pinned in _lock().items():
        try:
            found = version(name)
        except PackageNotFoundError:
            found = None
        if found != pinned:
            wrong[name] = (pinned, found)
    assert not wrong, wrong


def test_make_test_stops_at_once_with_the_command_when_chromium_cannot_be_installed(tmp_path):
    """Without chromium and without a way to install it, `make browser` (run by `make test`) names the one command and stops."""
    import shutil
    import subprocess
    import time

    bin_dir = tmp_path / "bin"
    bin_dir.mkdir()
    for tool in ("make", "sh", "bash", "id"):
        (bin_dir / tool).symlink_to(shutil.which(tool))
    start = time.monotonic()
    done = subprocess.run(
        ["make", "-s", "-C", str(paths.ROOT), "browser"],
        env={"PATH": str(bin_dir)},
        capture_output=True,
        text=True,
        timeout=60,
    )
    assert done.returncode != 0 and "apt-get install -y chromium" in done.stderr
    assert time.monotonic() - start < 10


def test_ci_is_a_thin_wrapper_around_the_readme_test_command():
    run = (paths.ROOT / ".ci" / "run").read_text()
    commands = [line for line in run.splitlines() if line.strip() and not line.startswith("#")]
    assert commands[-1].strip() == "make test" and "apt-get" not in run
    assert "make test" in (paths.ROOT / "README.md").read_text().split("```")[1]
