"""The look every chart shares: the Okabe-Ito colours, panel sizes, the font, short titles.

Okabe-Ito stays distinguishable with the common kinds of colour blindness;
scale answers go from vermillion (1) through grey (3) to blue (5).
"""

from __future__ import annotations

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
