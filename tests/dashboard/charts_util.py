"""Reading what a chart received in an AppTest: its Vega-Lite spec and its Arrow datasets."""

from __future__ import annotations

import json

import pandas as pd
import pyarrow as pa


def title_of(node: dict) -> str | None:
    title = node.get("title")
    if isinstance(title, dict):
        return title.get("text")
    return title


def panels(element) -> dict[str, pd.DataFrame]:  # noqa: ANN001 - an AppTest vega_lite_chart
    """Each titled panel of the chart with the table it was given."""
    spec = json.loads(element.proto.spec)
    tables = {d.name: pa.ipc.open_stream(d.data.data).read_pandas() for d in element.proto.datasets}
    found: dict[str, pd.DataFrame] = {}

    def walk(node: object, title: str | None) -> None:
        if isinstance(node, dict):
            title = title_of(node) or title
            name = (
                (node.get("data") or {}).get("name") if isinstance(node.get("data"), dict) else None
            )
            if name in tables and title:
                found.setdefault(title, tables[name])
            for value in node.values():
                walk(value, title)
        elif isinstance(node, list):
            for value in node:
                walk(value, title)

    walk(spec, None)
    return found
