"""The report model imports none of its renderings nor the command line."""

from __future__ import annotations

import subprocess
import sys


def loaded_after(module: str) -> set[str]:
    code = (
        f"import sys, {module}; print(' '.join(m for m in sys.modules if m.startswith('checkin')))"
    )
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    return set(out.stdout.split())


def test_the_report_model_loads_without_renderings_or_cli() -> None:
    loaded = loaded_after("checkin.reports")
    assert "checkin.reports" in loaded
    assert not loaded & {"checkin.cli", "checkin.charts", "checkin.report_formats"}


def test_charts_load_without_the_cli() -> None:
    loaded = loaded_after("checkin.charts")
    assert "checkin.cli" not in loaded and "checkin.report_formats" not in loaded
