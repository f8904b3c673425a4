"""The look every chart shares: the Okabe-Ito colours, panel sizes, the font, short titles.

Okabe-Ito stays distinguishable with the common kinds of colour blindness;
scale answers go from vermillion (1) through grey (3) to blue (5).
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

import altair as alt

OKABE_ITO = (
    "#0072B2",  # blue
    "#E69F00",  # orange
    "#009E73",  # bluish green
    "#CC79A7",  # reddish purple
    "#56B4E9",  # sky blue
    "#D55E00",  # vermillion
    "#F0E442",  # yellow
    "#000000",  # black
)


SCALE_COLOURS = ("#D55E00", "#E69F00", "#999999", "#56B4E9", "#0072B2")  # answers 1..5


BAR_COLOUR = OKABE_ITO[0]


PANEL_WIDTH = 340


PANEL_HEIGHT = 170


FONT = "Liberation Sans"  # bundled with vl-convert, so the PNG looks the same everywhere


TITLE_MAX = 48


def short(text: str, limit: int = TITLE_MAX) -> str:
    return text if len(text) <= limit else text[: limit - 1].rstrip() + "…"


def two_columns(
    panels: Sequence[alt.TopLevelMixin], *, config: alt.Config, **properties: Any
) -> alt.VConcatChart:
    """Panels two to a row, each with its own colours, as one chart with `config` and the
    top-level `properties` (description, title, padding).

    Built in one step: every `.properties`, `.resolve_scale` or `.configure_*` called on a
    finished composite chart copies all its panels again (building the Overview's chart
    that way took 0.4 s).
    """
    independent = alt.Resolve(scale=alt.ScaleResolveMap(color="independent"))
    rows = [
        alt.HConcatChart(hconcat=list(panels[i : i + 2]), spacing=40, resolve=independent)
        for i in range(0, len(panels), 2)
    ]
    return alt.VConcatChart(
        vconcat=rows, spacing=30, resolve=independent, config=config, **properties
    )
