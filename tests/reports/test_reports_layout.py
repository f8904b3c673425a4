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
    loaded = loaded_after("checkin.reports.build")
    assert "checkin.reports.model" in loaded
    assert not loaded & {"checkin.cli", "checkin.reports.charts", "checkin.reports.formats"}


def test_charts_load_without_the_cli() -> None:
    loaded = loaded_after("checkin.reports.charts")
    assert "checkin.cli" not in loaded and "checkin.reports.formats" not in loaded
