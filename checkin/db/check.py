"""The check the web app makes before reading: is this a checkin database it can read?"""

from __future__ import annotations

import sqlite3
from pathlib import Path


class Unavailable(Exception):
    """The database cannot be shown; str() is the one line for the page."""


def check_database(path: str | Path) -> None:
    """Raise Unavailable unless `path` is an existing checkin database (or an empty file).

    The web app must not create a database where none is, nor add its tables
    to some other program's SQLite file.
    """
    path = Path(path)
    if not path.exists():
        raise Unavailable(
            f"no database at {path}: set CHECKIN_DB to the bot's database, "
            "or create a demo one with `python -m checkin demo`"
        )
    if path.is_dir():
        raise Unavailable(
            f"{path} is a folder, not a checkin database: point CHECKIN_DB at the file"
        )
    try:
        conn = sqlite3.connect(f"file:{path}?mode=ro", uri=True)
        try:
            tables = {r[0] for r in conn.execute("SELECT name FROM sqlite_master")}
        finally:
            conn.close()
    except sqlite3.DatabaseError as exc:
        raise Unavailable(f"{path} is not a checkin database ({exc})") from None
    if tables and "schema_migrations" not in tables:
        raise Unavailable(
            f"{path} is not a checkin database (it has other tables): point CHECKIN_DB at "
            "the bot's database"
        )
