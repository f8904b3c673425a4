"""`python -m checkin …`: thin wrappers over the core's functions.

Every error a person can cause prints one line to stderr and exits 2; a
traceback means a bug.
"""

from __future__ import annotations

import argparse
import sys
from collections.abc import Sequence
from pathlib import Path

from checkin import db, store
from checkin.clock import system_clock
from checkin.config import Config, ConfigError, load_config
from checkin.definitions import DefinitionError, import_definitions, load_definitions, load_file
from checkin.demo import DemoRefused


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
    p.add_argument("--post", nargs="?", const="", metavar="CHANNEL",
                   help="queue the Slack post through the bot (default: the report channel)")  # fmt: skip

    p = sub.add_parser("demo", help="fill a database with a realistic demo workspace")
    p.add_argument("--members", type=int, default=25)
    p.add_argument("--weeks", type=int, default=12)
    p.add_argument("--seed", type=int, default=1)

    sub.add_parser("manifest", help="print the Slack app manifest (YAML)")
    sub.add_parser("status", help="tables, row counts and the bot's heartbeat")
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
        db.DatabaseError,
        store.NotFound,
        UsageError,
        DemoRefused,
    ) as exc:
        print(f"error: {exc}", file=sys.stderr)
        return 2
    except KeyboardInterrupt:
        return 130


def _with_db(config: Config, path: Path) -> Config:
    from dataclasses import replace

    return replace(config, db_path=path)


def _dispatch(args: argparse.Namespace, config: Config) -> int:
    if args.command == "manifest":
        from checkin.manifest import manifest_yaml

        print(manifest_yaml(config), end="")
        return 0
    if args.command == "demo":
        from checkin.demo import build_demo

        summary = build_demo(
            config.db_path, members=args.members, weeks=args.weeks, seed=args.seed,
            progress=lambda line: print(line, file=sys.stderr),
        )  # fmt: skip
        print(summary)
        return 0
    if args.command == "checkins":
        return _checkins(args, config)
    if args.command == "send":
        return _send(args, config)
    if args.command == "report":
        from checkin.reports import run_report_command

        return run_report_command(args, config)
    if args.command == "status":
        return _status(config)
    raise UsageError(f"unknown command {args.command}")


def _checkins(args: argparse.Namespace, config: Config) -> int:
    if args.action == "import":
        if args.file.suffix.lower() != ".toml":
            raise UsageError(f"{args.file} is not a .toml file")
        defs = load_file(args.file)  # validates everything before the database is opened
        conn = db.connect(config.db_path)
        result = import_definitions(conn, defs)
        print(f"{args.file}: {result.summary()}")
        return 0
    conn = db.connect(config.db_path)
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
    from checkin.definitions import to_toml

    text = to_toml(defs)
    if args.out:
        args.out.write_text(text, encoding="utf-8")
        print(f"wrote {len(defs)} check-ins to {args.out}", file=sys.stderr)
    else:
        print(text, end="")
    return 0


def _send(args: argparse.Namespace, config: Config) -> int:
    conn = db.connect(config.db_path)
    checkin = store.get_checkin(conn, args.name)
    outbox_id = store.enqueue(
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
    hb = store.read_heartbeat(conn)
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
    conn = db.connect(config.db_path)
    print(f"database {config.db_path} (schema {db.schema_version(conn)})")
    for table, count in db.table_counts(conn).items():
        print(f"  {table:<20} {count:>9}")
    hb = store.read_heartbeat(conn)
    if hb is None:
        print("bot: never ran on this database")
    else:
        age = int(hb.age(system_clock()).total_seconds())
        print(
            f"bot: pid {hb.pid} on {hb.host}, {hb.env}, last heartbeat {age}s ago, "
            f"{'connected' if hb.connected else 'not connected'}"
        )
    return 0
