"""The deploy trail: which version of checkin started where and when.

Each start of the bot or the web app adds a row to `deploys` (package version,
the git commit when run from a checkout, environment, host, pid, start time),
so "what was running last Tuesday" has an answer. The commit is read from the
`.git` files directly: no git binary needed, and nothing fails without one.
"""

from __future__ import annotations

import os
import re
import socket
import sqlite3
from dataclasses import dataclass
from datetime import datetime
from pathlib import Path

from checkin import __version__
from checkin.clock import Clock, iso, parse_iso, system_clock
from checkin.config import Config
from checkin.db.connection import transaction
from checkin.ops import heartbeat
from checkin.people.viewer import Viewer

ROOT = Path(__file__).resolve().parent.parent
SHA = re.compile(r"^[0-9a-f]{40}$")


def git_commit(root: Path = ROOT) -> str | None:
    """The commit checked out at `root`, or None when it is not a git checkout.

    Handles a `.git` directory, a `.git` file pointing elsewhere (worktrees,
    submodules), a detached HEAD, loose and packed refs.
    """
    try:
        gitdir = _gitdir(root / ".git")
        if gitdir is None:
            return None
        head = (gitdir / "HEAD").read_text(encoding="utf-8").strip()
        if SHA.match(head):
            return head
        if not head.startswith("ref: "):
            return None
        ref = head[5:].strip()
        common = gitdir
        if (gitdir / "commondir").is_file():
            common = (gitdir / (gitdir / "commondir").read_text(encoding="utf-8").strip()).resolve()
        for base in (gitdir, common):
            loose = base / ref
            if loose.is_file():
                value = loose.read_text(encoding="utf-8").strip()
                return value if SHA.match(value) else None
        packed = common / "packed-refs"
        if packed.is_file():
            for line in packed.read_text(encoding="utf-8").splitlines():
                parts = line.split()
                if len(parts) == 2 and parts[1] == ref and SHA.match(parts[0]):
                    return parts[0]
    except (OSError, UnicodeDecodeError):
        return None
    return None


def _gitdir(dot_git: Path) -> Path | None:
    if dot_git.is_dir():
        return dot_git
    if dot_git.is_file():
        text = dot_git.read_text(encoding="utf-8").strip()
        if text.startswith("gitdir:"):
            target = Path(text[7:].strip())
            target = target if target.is_absolute() else (dot_git.parent / target).resolve()
            return target if target.is_dir() else None
    return None


def version_line(root: Path = ROOT) -> str:
    """`checkin 0.1.0 (commit 6b21df7)`, what `python -m checkin --version` prints."""
    commit = git_commit(root)
    return f"checkin {__version__}" + (f" (commit {commit[:7]})" if commit else "")


@dataclass(frozen=True)
class Deploy:
    process: str
    version: str
    git_commit: str | None
    env: str
    host: str
    pid: int
    started_at: datetime

    @property
    def label(self) -> str:
        return self.version + (f"+{self.git_commit[:7]}" if self.git_commit else "")


def record_start(
    conn: sqlite3.Connection,
    process: str,
    config: Config,
    *,
    clock: Clock = system_clock,
    root: Path = ROOT,
) -> Deploy:
    """Add this process's start (`process`: bot or web) to the trail."""
    deploy = Deploy(
        process=process,
        version=__version__,
        git_commit=git_commit(root),
        env=config.env,
        host=socket.gethostname(),
        pid=os.getpid(),
        started_at=clock(),
    )
    with transaction(conn):
        conn.execute(
            "INSERT INTO deploys (process, version, git_commit, env, host, pid, started_at) "
            "VALUES (?,?,?,?,?,?,?)",
            (
                deploy.process,
                deploy.version,
                deploy.git_commit,
                deploy.env,
                deploy.host,
                deploy.pid,
                iso(deploy.started_at),
            ),
        )
    return deploy


def _deploy(row: sqlite3.Row) -> Deploy:
    return Deploy(
        process=row["process"],
        version=row["version"],
        git_commit=row["git_commit"],
        env=row["env"],
        host=row["host"],
        pid=row["pid"],
        started_at=parse_iso(row["started_at"]),
    )


def trail(viewer: Viewer, conn: sqlite3.Connection, limit: int = 50) -> list[Deploy]:
    """The newest starts first; admins only (others get nothing)."""
    if not viewer.is_admin:
        return []
    rows = conn.execute(
        "SELECT * FROM deploys ORDER BY started_at DESC, id DESC LIMIT ?", (limit,)
    ).fetchall()
    return [_deploy(r) for r in rows]


def running_at(
    viewer: Viewer, conn: sqlite3.Connection, when: datetime, process: str = "bot"
) -> Deploy | None:
    """The last start of `process` at or before `when`: what was running then."""
    if not viewer.is_admin:
        return None
    row = conn.execute(
        "SELECT * FROM deploys WHERE process = ? AND started_at <= ? "
        "ORDER BY started_at DESC, id DESC LIMIT 1",
        (process, iso(when)),
    ).fetchone()
    return _deploy(row) if row else None


def running_bot(conn: sqlite3.Connection) -> tuple[heartbeat.BotHeartbeat, Deploy | None] | None:
    """The bot's heartbeat and the start it belongs to (same pid and host), for its version."""
    holder = heartbeat.read_heartbeat(conn)
    if holder is None:
        return None
    row = conn.execute(
        "SELECT * FROM deploys WHERE process = 'bot' AND pid = ? AND host = ? "
        "ORDER BY started_at DESC, id DESC LIMIT 1",
        (holder.pid, holder.host),
    ).fetchone()
    return holder, (_deploy(row) if row else None)
