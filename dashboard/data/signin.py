"""Who is signing in: the viewer a signed-in person's Slack claims make, or why not.

Not per viewer and not cached: it is how the frame finds the viewer, on every run.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from checkin.people import access
from checkin.people.access import Refusal
from checkin.people.viewer import Viewer
from dashboard.data import source


def identify(claims: Mapping[str, Any]) -> Viewer | Refusal:
    """The viewer for the claims (`st.user`), or the refusal to show; `Unavailable` when
    the configuration or the database cannot be read."""
    with source.connection() as conn:
        return access.identify(conn, claims, admins=source.admins())
