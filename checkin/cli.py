"""`python -m checkin …`: thin wrappers over the core's functions.

Every error a person can cause prints one line to stderr and exits 2; a
traceback means a bug.
"""

from __future__ import annotations

import argparse
import sqlite3
import sys
import threading
from collections.abc import Sequence
from dataclasses import replace
from pathlib import Path
from typing import TextIO

from checkin import errors
from checkin.checkins.definitions import (
    DefinitionError,
    import_definitions,
    load_definitions,
    load_file,
    to_toml,
)
from checkin.checkins.model import get_checkin
from checkin.clock import Clock, system_clock
from checkin.config import Config, ConfigError, load_config
from checkin.db import connection
from checkin.demo import DemoRefused, build_demo
from checkin.errors import NotAllowed
from checkin.manifest import manifest_yaml
from checkin.ops import backup, deploys, heartbeat, outbox, privacy, retention
from checkin.ops.backup import BackupError
from checkin.ops.deploys import running_bot, version_line
from checkin.people.viewer import OPERATOR
from checkin.reports import build, formats, model


class UsageError(Exception):
    """A mistake in how the command was called; str() is the line to show."""


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="python -m checkin",
        description="Team check-ins in Slack: definitions, demo data, reports, the Slack manifest.",
    )
    parser.add_argument("--db", help="database file (default: CHECKIN_DB or data/checkin.db)")
    sub = parser.add_subparsers(dest="command", required=True, metavar="COMMAND")

    p = sub.add_parser("checkins", help="import or export check-in definitions (TOML)")
    csub = p.add_subparsers(dest="action", required=True, metavar="ACTION")
    imp = csub.add_parser("import", help="create or update check-ins from a TOML file")
    imp.add_argument("file", type=Path)
    exp = csub.add_parser("export", help="print the check-ins as TOML")
    exp.add_argument("--out", type=Path, help="write to this file instead of stdout")
    csub.add_parser("list", help="list the check-ins")

    p = sub.add_parser("send", help="ask the bot to start a check-in now")
    p.add_argument("name", help="check-in name")
    p.add_argument("--member", action="append", help="only this Slack user id (repeatable)")

    p = sub.add_parser("report", help="the weekly summary (md, csv, json or png)")
    p.add_argument("--checkin", help="check-in name (default: the only one)")
    p.add_argument("--week", default="last", help="last, this, or an ISO week like 2026-W48")
    p.add_argument("--format", choices=("md", "csv", "json", "png"), default="md")
    p.add_argument("--out", type=Path, help="write to this file instead of stdout")
    p.add_argument(
        "--post",
        nargs="?",
        const="",
        metavar="CHANNEL",
        help="queue the Slack post through the bot (default: the report channel)",
    )

    p = sub.add_parser("demo", help="fill a database with a realistic demo workspace")
    p.add_argument("--members", type=int, default=25)
    p.add_argument("--weeks", type=int, default=12)
    p.add_argument("--seed", type=int, default=1)

    sub.add_parser("manifest", help="print the Slack app manifest (YAML)")
    sub.add_parser("status", help="tables, row counts and the bot's heartbeat")
    add_data_commands(parser, sub)
    return parser


def main(argv: Sequence[str] | None = None, config: Config | None = None) -> int:
    args = build_parser().parse_args(argv)
    try:
        config = config or load_config()
        if args.db:
            config = _with_db(config, Path(args.db))
        return _dispatch(args, config)
    except (
        ConfigError,
        DefinitionError,
        connection.DatabaseError,
        errors.NotFound,
        UsageError,
        DemoRefused,
    ) as exc:
        print(f"error: {exc}", file=sys.stderr)
        return 2
    except KeyboardInterrupt:
        return 130


def _with_db(config: Config, path: Path) -> Config:

    return replace(config, db_path=path)


def _dispatch(args: argparse.Namespace, config: Config) -> int:
    if args.command == "manifest":
        print(manifest_yaml(config), end="")
        return 0
    if args.command == "demo":
        summary = build_demo(
            config.db_path,
            members=args.members,
            weeks=args.weeks,
            seed=args.seed,
            progress=lambda line: print(line, file=sys.stderr),
        )
        print(summary)
        return 0
    if args.command == "checkins":
        return _checkins(args, config)
    if args.command in ("send", "report", "status") and not config.db_path.exists():
        # only `checkins import` (and the bot) may create a database: a typo in --db is not one
        raise UsageError(f"no database at {config.db_path} (set CHECKIN_DB or pass --db FILE)")
    if args.command == "send":
        return _send(args, config)
    if args.command == "report":
        return run_report_command(args, config)
    if args.command == "status":
        return _status(config)
    if args.command in DATA_COMMANDS:
        return run_data_command(args, config)
    raise UsageError(f"unknown command {args.command}")


def _checkins(args: argparse.Namespace, config: Config) -> int:
    if args.action == "import":
        if args.file.suffix.lower() != ".toml":
            raise UsageError(f"{args.file} is not a .toml file")
        defs = load_file(args.file)  # validates everything before the database is opened
        conn = connection.connect(config.db_path)
        result = import_definitions(conn, defs)
        print(f"{args.file}: {result.summary()}")
        return 0
    conn = connection.connect(config.db_path)
    defs = load_definitions(conn)
    if args.action == "list":
        if not defs:
            print("no check-ins yet: python -m checkin checkins import data/checkins.example.toml")
        for d in defs:
            state = "" if d.active else " (inactive)"
            print(
                f"{d.name}{state}: {', '.join(d.days)} at {d.time}, "
                f"{len(d.questions)} questions, participants {', '.join(d.participants)}"
            )
        return 0

    text = to_toml(defs)
    if args.out:
        args.out.write_text(text, encoding="utf-8")
        print(f"wrote {len(defs)} check-ins to {args.out}", file=sys.stderr)
    else:
        print(text, end="")
    return 0


def _send(args: argparse.Namespace, config: Config) -> int:
    conn = connection.connect(config.db_path)
    checkin = get_checkin(conn, args.name)
    outbox_id = outbox.enqueue(
        conn,
        "send_checkin",
        {"checkin": checkin["name"], "members": args.member or []},
        requested_by="cli",
    )
    who = ", ".join(args.member) if args.member else "all its participants"
    print(f"queued: send {checkin['name']!r} to {who} (outbox #{outbox_id})")
    warn_if_bot_down(conn)
    return 0


def warn_if_bot_down(conn) -> None:  # noqa: ANN001
    """Tell the person when nothing will pick their outbox row up soon."""
    hb = heartbeat.read_heartbeat(conn)
    now = system_clock()
    if hb is None:
        print(
            "warning: no bot has run on this database yet; start it with `python -m bot` "
            "(or `make run` with Slack tokens)",
            file=sys.stderr,
        )
    elif hb.stopped_at is not None:
        print(
            "warning: the bot is not running (stopped cleanly); the request waits until it "
            "starts again (`python -m bot`)",
            file=sys.stderr,
        )
    elif hb.is_stale(now):
        minutes = int(hb.age(now).total_seconds() // 60)
        print(
            f"warning: the bot's last heartbeat was {minutes} min ago (pid {hb.pid} on "
            f"{hb.host}); the request waits until it runs again",
            file=sys.stderr,
        )


def _status(config: Config) -> int:
    conn = connection.connect(config.db_path)
    print(f"database {config.db_path} (schema {connection.schema_version(conn)})")
    for table, count in connection.table_counts(conn).items():
        print(f"  {table:<20} {count:>9}")
    hb = heartbeat.read_heartbeat(conn)
    if hb is None:
        print("bot: never ran on this database")
    else:
        age = int(hb.age(system_clock()).total_seconds())
        print(
            f"bot: pid {hb.pid} on {hb.host}, {hb.env}, last heartbeat {age}s ago, "
            f"{'connected' if hb.connected else 'not connected'}"
        )
        print(f"bot version: {running_version(conn)}")
    return 0


# --- owning the data: backup, restore, the deploy trail, a member's data, retention ---

DATA_COMMANDS = ("backup", "restore", "member", "retention", "deploys")


def add_data_commands(parser: argparse.ArgumentParser, sub) -> None:  # noqa: ANN001

    parser.add_argument("--version", action="version", version=version_line())
    p = sub.add_parser("backup", help="a consistent, checked copy of the database")
    p.add_argument(
        "--out", type=Path, help="file to write (default: a dated file in CHECKIN_BACKUP_DIR)"
    )
    p.add_argument(
        "--with-secret",
        action="store_true",
        help="also copy checkin.secret beside the backup (mode 600)",
    )
    p = sub.add_parser("restore", help="put a backup in place of the database (bot stopped)")
    p.add_argument("file", type=Path)
    p.add_argument(
        "--with-secret",
        action="store_true",
        help="also put back the signing secret saved beside the backup",
    )
    p = sub.add_parser("member", help="one member's data: export it as JSON or forget it")
    msub = p.add_subparsers(dest="action", required=True, metavar="ACTION")
    exp = msub.add_parser("export", help="everything stored about a member, as JSON")
    exp.add_argument("member_id", metavar="UID")
    exp.add_argument("--out", type=Path, help="write to this file instead of stdout")
    fgt = msub.add_parser("forget", help="erase a member's answers and name")
    fgt.add_argument("member_id", metavar="UID")
    fgt.add_argument("--yes", action="store_true", help="do not ask for confirmation")
    p = sub.add_parser("retention", help="delete answers older than their check-in keeps them")
    p.add_argument("--dry-run", action="store_true", help="only say what would go")
    p = sub.add_parser("deploys", help="the deploy trail: which version started where and when")
    p.add_argument("--limit", type=int, default=20)


def run_data_command(args: argparse.Namespace, config: Config) -> int:

    try:
        return _data_command(args, config)
    except (BackupError, NotAllowed) as exc:
        raise UsageError(str(exc)) from None
    except OSError as exc:  # a file a person named: missing folder, no permission
        raise UsageError(f"{exc.filename or 'file'}: {exc.strerror or exc}") from None


def _data_command(args: argparse.Namespace, config: Config) -> int:

    if args.command == "backup":
        result = backup.take_backup(config, args.out, with_secret=args.with_secret)
        print(result.summary())
        return 0
    if args.command == "restore":
        print(backup.restore(config, args.file, with_secret=args.with_secret).summary())
        return 0
    if not config.db_path.exists():
        raise UsageError(f"no database at {config.db_path} (set CHECKIN_DB or pass --db FILE)")
    conn = connection.connect(config.db_path)
    if args.command == "deploys":
        rows = deploys.trail(OPERATOR, conn, args.limit)
        if not rows:
            print("no starts recorded yet")
        for d in rows:
            print(
                f"{d.started_at:%Y-%m-%d %H:%M}Z {d.process:<3} {d.label} {d.env} {d.host} pid {d.pid}"
            )
        return 0
    if args.command == "retention":
        dry = args.dry_run
        step = retention.plan if dry else retention.apply
        expiries = step(conn, config.retention_weeks)
        if not expiries:
            print(
                "no retention set: answers are kept (set retention_weeks or CHECKIN_RETENTION_WEEKS)"
            )
        for expiry in expiries:
            print(expiry.line(done=not dry))
        return 0
    if args.action == "export":
        text = privacy.export_json(privacy.export_member(OPERATOR, conn, args.member_id))
        if args.out:
            args.out.write_text(text, encoding="utf-8")
            print(f"wrote the data of {args.member_id} to {args.out}", file=sys.stderr)
        else:
            print(text, end="")
        return 0
    plan = privacy.forget_plan(conn, args.member_id)
    print(plan.summary(), file=sys.stderr)
    if not args.yes:
        try:
            answer = input(f"type {args.member_id} to erase this for good: ")
        except EOFError:
            answer = ""
        if answer.strip() != args.member_id:
            print("nothing erased", file=sys.stderr)
            return 1
    privacy.forget_member(OPERATOR, conn, args.member_id)
    print(
        f"forgot {args.member_id}: {plan.total} rows changed (backups taken before keep their copy)"
    )
    return 0


def running_version(conn) -> str:  # noqa: ANN001

    found = running_bot(conn)
    if found is None or found[1] is None:
        return "unknown (started before the deploy trail)"
    return found[1].label


# --- report ---------------------------------------------------------------------------------


class _SlowNotice:
    """Says what is going on on stderr, but only once the work has taken more than a second."""

    def __init__(self, message: str, after: float = 1.0, stream: TextIO | None = None) -> None:
        self.stream = stream or sys.stderr
        self.message = message
        self.shown = False
        self.timer = threading.Timer(after, self._say)
        self.timer.daemon = True

    def _say(self) -> None:
        self.shown = True
        print(self.message, file=self.stream, flush=True)

    def update(self, message: str) -> None:
        self.message = message
        if self.shown:
            self._say()

    def __enter__(self) -> _SlowNotice:
        self.timer.start()
        return self

    def __exit__(self, *exc: object) -> None:
        self.timer.cancel()


def run_report_command(
    args: argparse.Namespace,
    config: Config,
    clock: Clock = system_clock,
    notice_after: float = 1.0,
) -> int:
    """`python -m checkin report`: print or write the report, or queue its Slack post."""
    conn = connection.connect(config.db_path)
    try:
        checkin = build.resolve_checkin(conn, args.checkin)
        now = clock()
        week = build.resolve_week(args.week, now, checkin["timezone"] or "UTC")
        if args.post is not None:
            return _queue_post(conn, checkin, week, args.post or None, clock)
        with _SlowNotice(
            f"building the {checkin['name']} report for {week}…", after=notice_after
        ) as notice:
            report = build.build_report(
                conn, checkin, week, now, text=args.format in ("md", "json")
            )
            if args.format == "png":
                notice.update("rendering the chart…")
            data = formats.render(report, args.format, conn)
        if args.out:
            Path(args.out).write_bytes(data)
            print(f"wrote {args.out} ({len(data)} bytes)", file=sys.stderr)
        elif args.format == "png":
            if sys.stdout.isatty():
                raise model.ReportError("a PNG goes to a file: add --out chart.png")
            sys.stdout.buffer.write(data)
            sys.stdout.flush()
        else:
            sys.stdout.write(data.decode("utf-8"))
            sys.stdout.flush()
        return 0
    finally:
        conn.close()


def _queue_post(
    conn: sqlite3.Connection, checkin: sqlite3.Row, week: str, channel: str | None, clock: Clock
) -> int:
    channel = channel or checkin["report_channel"]
    if not channel:
        raise model.ReportError(
            f"{checkin['name']} has no report_channel: say where, e.g. --post '#team'"
        )
    outbox_id = outbox.enqueue(
        conn,
        "post_report",
        {"checkin": checkin["name"], "week": week, "channel": channel},
        requested_by="cli",
        clock=clock,
    )
    print(
        f"queued: post the {checkin['name']} report for {week} to {channel} (outbox #{outbox_id})"
    )
    warn_if_bot_down(conn)
    return 0
