"""CSV (RFC 4180, formulas neutralised), and `python -m checkin report` end to end."""

from __future__ import annotations

import csv
import io
import json

import pytest

from checkin import cli
from checkin.config import Config
from checkin.reports.formats import neutralise, to_csv, write_csv
from checkin.reports.model import CSV_COLUMNS
from tests.reports.test_reports_data import INJECTION, ODD, build_golden


@pytest.fixture
def golden(conn, clock):  # noqa: ANN001, ANN201
    return build_golden(conn, clock)


def read_csv(text: str) -> list[dict[str, str]]:
    return list(csv.DictReader(io.StringIO(text, newline="")))


@pytest.mark.parametrize(
    "cell",
    [
        "=1+1",
        "+41 79 000",
        "-2+3",
        "@SUM(A1)",
        "\tTAB",
        "\rCR",
        INJECTION,
        "=cmd|' /C calc'!A0",
        "\0=1+1",
        "＝1+1",
        "＋1+1",
        "－1+1",
        "＠SUM(A1)",
        "-5\n=1+1",
        "-2.5e3",
        "-1,5",
    ],
)
def test_cells_a_spreadsheet_would_run_are_neutralised(cell: str) -> None:
    out = io.StringIO(newline="")
    write_csv([{c: (cell if c == "answer" else "") for c in CSV_COLUMNS}], out)
    (row,) = read_csv(out.getvalue())
    assert row["answer"] == "'" + cell
    assert not row["answer"].startswith(
        ("=", "+", "-", "@", "\t", "\r", "\0", "＝", "＋", "－", "＠")
    )


@pytest.mark.parametrize(
    "cell",
    [ODD, "a,b", 'say "hi"', "line\r\nbreak", "emoji 🎉👍🏽", "  spaces  ", "'quoted", "1=1", ""],
)
def test_odd_text_round_trips_unchanged(cell: str) -> None:
    out = io.StringIO(newline="")
    write_csv([{c: (cell if c == "answer" else "x") for c in CSV_COLUMNS}], out)
    (row,) = read_csv(out.getvalue())
    assert row["answer"] == cell


def test_numbers_are_not_touched() -> None:
    assert neutralise(-2.5) == -2.5
    assert neutralise(0) == 0
    for plain in ("-2.5", "-5", "+5", "+0.75", "12"):
        assert neutralise(plain) == plain, "a plain number in the answer column stays a number"


def test_week_csv_has_one_row_per_answer(conn, golden) -> None:  # noqa: ANN001
    text = to_csv(conn, golden.checkin["id"], "2026-W44")
    assert text.startswith(",".join(CSV_COLUMNS) + "\r\n")  # RFC 4180 line ends
    rows = read_csv(text)
    # Ada Mon 5 (4 + pool question), Ada Wed 4, Bo Mon 4, Bo Fri 4, Cy Fri 4
    assert len(rows) == 21
    by_text = {r["answer"]: r for r in rows}
    assert by_text["'" + INJECTION]["member"] == "Bo Tane"
    assert by_text[ODD]["local_date"] == "2026-10-30"
    assert by_text["'@channel hi"]["member_id"] == "U0C"
    skipped = [r for r in rows if r["skipped"] == "1"]
    assert len(skipped) == 1 and skipped[0]["answer"] == ""
    assert {r["week"] for r in rows} == {"2026-W44"}
    scale = [r for r in rows if r["kind"] == "scale"]
    assert sorted(float(r["number"]) for r in scale) == [2, 3, 4, 4, 5]


def config_for(db_path) -> Config:  # noqa: ANN001
    return Config(db_path=db_path)


def test_cli_writes_each_format(conn, golden, db_path, tmp_path, capsys) -> None:  # noqa: ANN001
    config = config_for(db_path)
    base = ["report", "--checkin", "golden", "--week", "2026-W44"]

    assert cli.main([*base, "--format", "md"], config=config) == 0
    assert capsys.readouterr().out.startswith("# golden: week 2026-W44")

    assert cli.main([*base, "--format", "json"], config=config) == 0
    assert json.loads(capsys.readouterr().out)["headline"]["runs_asked"] == 12

    out = tmp_path / "week.csv"
    assert cli.main([*base, "--format", "csv", "--out", str(out)], config=config) == 0
    assert len(read_csv(out.read_bytes().decode("utf-8"))) == 21

    png = tmp_path / "week.png"
    assert cli.main([*base, "--format", "png", "--out", str(png)], config=config) == 0
    assert png.read_bytes().startswith(b"\x89PNG\r\n\x1a\n")


def test_progress_goes_to_stderr_only_when_the_work_is_slow(conn, golden, db_path, capsys) -> None:  # noqa: ANN001, E501
    import argparse

    from checkin.cli import _SlowNotice, run_report_command

    args = argparse.Namespace(checkin="golden", week="2026-W44", format="md", out=None, post=None)
    assert run_report_command(args, config_for(db_path), notice_after=60) == 0
    assert capsys.readouterr().err == ""  # fast: nothing said

    stream = io.StringIO()
    with _SlowNotice("building…", after=0, stream=stream) as notice:
        notice.timer.join()  # the threshold passed while working
        notice.update("rendering the chart…")
    assert stream.getvalue() == "building…\nrendering the chart…\n"

    stream = io.StringIO()
    with _SlowNotice("building…", after=3600, stream=stream) as notice:
        notice.update("rendering the chart…")
    notice.timer.join(5)  # cancelled: ends without saying anything
    assert stream.getvalue() == ""


def test_cli_post_queues_the_report_for_the_bot(conn, golden, db_path, capsys) -> None:  # noqa: ANN001
    config = config_for(db_path)
    assert cli.main(["report", "--week", "2026-W44", "--post"], config=config) == 0
    out = capsys.readouterr()
    assert "queued: post the golden report for 2026-W44 to #team" in out.out
    row = conn.execute("SELECT kind, payload, requested_by FROM outbox").fetchone()
    assert row["kind"] == "post_report"
    assert json.loads(row["payload"]) == {
        "checkin": "golden",
        "week": "2026-W44",
        "channel": "#team",
    }

    assert cli.main(["report", "--week", "2026-W44", "--post", "C0002"], config=config) == 0
    payload = conn.execute("SELECT payload FROM outbox ORDER BY id DESC").fetchone()[0]
    assert json.loads(payload)["channel"] == "C0002"


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (["--week", "someday"], "'someday' is not a week"),
        (["--checkin", "nope"], "no check-in named 'nope'"),
    ],
)
def test_cli_mistakes_are_one_line(conn, golden, db_path, capsys, args, message) -> None:  # noqa: ANN001
    assert cli.main(["report", *args], config=config_for(db_path)) == 2
    err = capsys.readouterr().err
    assert message in err and err.count("\n") == 1
