"""Imports flow one way: the import-linter contracts in pyproject.toml hold, and would
catch an import from the core into the bot."""

from __future__ import annotations

import shutil
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
LINT_IMPORTS = Path(sys.executable).parent / "lint-imports"


def lint_imports(tree: Path) -> subprocess.CompletedProcess:
    return subprocess.run(
        [str(LINT_IMPORTS), str(tree / "pyproject.toml"), "--no-cache"],
        cwd=tree,
        env={"PYTHONPATH": str(tree), "PATH": "/usr/bin:/bin"},
        capture_output=True,
        text=True,
    )


def copy_of_the_code(tmp_path: Path) -> Path:
    tree = tmp_path / "tree"
    for package in ("checkin", "bot", "dashboard"):
        shutil.copytree(
            ROOT / package, tree / package, ignore=shutil.ignore_patterns("__pycache__")
        )
    shutil.copy(ROOT / "pyproject.toml", tree / "pyproject.toml")
    return tree


def test_the_import_contracts_hold() -> None:
    result = lint_imports(ROOT)
    assert result.returncode == 0, result.stdout + result.stderr
    assert "0 broken" in result.stdout


def test_an_import_from_the_core_into_the_bot_breaks_them(tmp_path: Path) -> None:
    tree = copy_of_the_code(tmp_path)
    weeks = tree / "checkin" / "weeks.py"
    weeks.write_text(weeks.read_text() + "\n\ndef _late() -> None:\n    import bot.app  # noqa\n")
    result = lint_imports(tree)
    assert result.returncode != 0
    assert "The core imports neither the bot nor the web app BROKEN" in result.stdout


def test_a_cycle_hidden_inside_a_function_breaks_them(tmp_path: Path) -> None:
    tree = copy_of_the_code(tmp_path)
    viewer = tree / "checkin" / "people" / "viewer.py"
    viewer.write_text(
        viewer.read_text() + "\n\ndef _late() -> None:\n    import checkin.reports.build  # noqa\n"
    )
    result = lint_imports(tree)
    assert result.returncode != 0
    assert "No import cycles" in result.stdout and "BROKEN" in result.stdout
