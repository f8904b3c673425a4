"""report_posts claims: one owner at a time; only a claim 5 minutes old is taken over."""

from __future__ import annotations

from checkin.reports import posts


def test_claim_records_owner_and_time_and_is_taken_once(conn, clock, wellbeing) -> None:  # noqa: ANN001
    cid = wellbeing["id"]
    assert posts.claim_report_post(conn, cid, "2026-W48", "#team", "1@a", clock)
    assert not posts.claim_report_post(conn, cid, "2026-W48", "#team", "2@b", clock)
    row = posts.get_report_post(conn, cid, "2026-W48")
    assert (row["status"], row["claimed_by"]) == ("posting", "1@a")
    assert row["claimed_at"].startswith("2026-11-25T06:00")


def test_fresh_claim_is_not_taken_over_a_stale_one_is_once(conn, clock, wellbeing) -> None:  # noqa: ANN001
    cid = wellbeing["id"]
    posts.claim_report_post(conn, cid, "2026-W48", "#team", "1@a", clock)
    clock.advance(minutes=4)
    assert not posts.take_over_report_post(conn, cid, "2026-W48", "2@b", clock)
    assert posts.take_over_report_post(conn, cid, "2026-W48", "1@a", clock), "its own claim"
    clock.advance(minutes=5, seconds=1)
    assert posts.take_over_report_post(conn, cid, "2026-W48", "2@b", clock)
    assert not posts.take_over_report_post(conn, cid, "2026-W48", "3@c", clock)
    assert posts.get_report_post(conn, cid, "2026-W48")["claimed_by"] == "2@b"


def test_posted_or_failed_week_is_never_taken_over(conn, clock, wellbeing) -> None:  # noqa: ANN001
    cid = wellbeing["id"]
    posts.claim_report_post(conn, cid, "2026-W48", "#team", "1@a", clock)
    posts.finish_report_post(conn, cid, "2026-W48", message_ts="1.2", clock=clock)
    clock.advance(hours=1)
    assert not posts.take_over_report_post(conn, cid, "2026-W48", "2@b", clock)


def test_owner_is_pid_at_host() -> None:
    import os
    import socket

    assert posts.claim_owner() == f"{os.getpid()}@{socket.gethostname()}"
