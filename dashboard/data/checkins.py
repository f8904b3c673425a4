"""The Check-ins page's reads and changes: the check-ins a viewer manages, their form,
saving it, importing and exporting TOML, and asking the bot to send or post now."""

from __future__ import annotations

from checkin.checkins import actions, choices, editing
from checkin.checkins.actions import OutboxStatus
from checkin.checkins.choices import Person, Room
from checkin.checkins.definitions import ImportResult
from checkin.checkins.editing import CheckinForm, CheckinSummary, Saved
from checkin.people.viewer import Viewer
from dashboard.data import source

TTL = 30


def managed_checkins(viewer: Viewer) -> list[CheckinSummary]:
    """The check-ins the viewer may manage (every one for an admin)."""
    return _managed_checkins(source.db_path(), viewer)


@source.cached(ttl=TTL)
def _managed_checkins(path: str, viewer: Viewer) -> list[CheckinSummary]:
    with source.connection(path) as conn:
        return editing.checkins(conn, viewer)


def checkin_form(viewer: Viewer, checkin_id: int) -> CheckinForm:
    """A check-in as the page's form edits it; `NotAllowed` for anyone who may not manage it."""
    return _checkin_form(source.db_path(), viewer, checkin_id)


@source.cached(ttl=TTL)
def _checkin_form(path: str, viewer: Viewer, checkin_id: int) -> CheckinForm:
    with source.connection(path) as conn:
        return editing.checkin_form(conn, viewer, checkin_id)


def checkin_members(viewer: Viewer, checkin_id: int) -> list[tuple[str, str]]:
    """(slack id, name) of the members the check-in can be sent to now."""
    return _checkin_members(source.db_path(), viewer, checkin_id)


@source.cached(ttl=TTL)
def _checkin_members(path: str, viewer: Viewer, checkin_id: int) -> list[tuple[str, str]]:
    with source.connection(path) as conn:
        return editing.checkin_members(conn, viewer, checkin_id)


# --- what the form's pickers offer ---------------------------------------------------------


def known_people(viewer: Viewer) -> list[Person]:
    """The members the bot knows, by name, for the participants and leads pickers."""
    return _known_people(source.db_path(), viewer)


@source.cached(ttl=TTL)
def _known_people(path: str, viewer: Viewer) -> list[Person]:
    with source.connection(path) as conn:
        return choices.people(conn, viewer)


def known_channels(viewer: Viewer) -> list[Room]:
    """The channels the bot has seen, by name, private or public, for the channel pickers."""
    return _known_channels(source.db_path(), viewer)


@source.cached(ttl=TTL)
def _known_channels(path: str, viewer: Viewer) -> list[Room]:
    with source.connection(path) as conn:
        return choices.rooms(conn, viewer)


# ---------------------------------------------------------------------------------------------


def export_toml(viewer: Viewer) -> str:
    """The check-ins the viewer manages, as `python -m checkin checkins export` writes them."""
    return _export_toml(source.db_path(), viewer)


@source.cached(ttl=TTL)
def _export_toml(path: str, viewer: Viewer) -> str:
    with source.connection(path) as conn:
        return editing.export_toml(conn, viewer)


def outbox_status(viewer: Viewer, outbox_ids: tuple[int, ...]) -> list[OutboxStatus]:
    """The outbox rows the page queued, read fresh on every run (no cache: it is the status)."""
    with source.connection() as conn:
        return actions.outbox_status(conn, viewer, list(outbox_ids))


def recent_requests(viewer: Viewer, checkin_id: int) -> list[OutboxStatus]:
    """The latest outbox rows of one check-in, whoever queued them (no cache: it is the status)."""
    with source.connection() as conn:
        return actions.recent_requests(conn, viewer, checkin_id)


def save_checkin(viewer: Viewer, form: CheckinForm) -> Saved:
    """Create or edit a check-in from the form; `FormErrors` says what is wrong, per field."""
    with source.change() as conn:
        return editing.save_checkin_form(conn, viewer, form)


def import_checkins(viewer: Viewer, text: str, file_name: str) -> ImportResult:
    """`checkins import` of an uploaded file; `DefinitionError` and nothing changed on a problem."""
    with source.change() as conn:
        return editing.import_toml(conn, viewer, text, source=file_name)


def send_now(viewer: Viewer, checkin_id: int, member_id: str | None) -> int:
    """Ask the bot to send the check-in now (to everyone, or one member); the outbox row's id."""
    with source.change() as conn:
        return actions.send_now(conn, viewer, checkin_id, member_id)


def post_summary(viewer: Viewer, checkin_id: int) -> int:
    """Ask the bot to post this week's summary to the report channel; the outbox row's id."""
    with source.change() as conn:
        return actions.post_summary(conn, viewer, checkin_id)
