"""Sign-in claims to viewers: workspace, membership and roles, read from a real database."""

from __future__ import annotations

from datetime import UTC, datetime

import pytest

from checkin.checkins import editing
from checkin.checkins.definitions import DefinitionError, import_definitions, parse_toml
from checkin.clock import FakeClock
from checkin.db import connection
from checkin.people import access, channels, members
from checkin.people.access import SLACK_TEAM_ID, SLACK_USER_ID, Refusal, identify
from checkin.people.viewer import OPERATOR, Viewer

TEAM = "T0001"

CHECKINS = """
[[checkin]]
name = "daily"
participants = ["U001", "U002", "U003"]
leads = ["U002"]

[[checkin.question]]
text = "How are you?"
kind = "text"

[[checkin]]
name = "retro"
participants = ["#team"]
report_channel = "#leads"
report = { day = "fri", time = "16:00" }
leads_from_report_channel = true

[[checkin.question]]
text = "What went well?"
kind = "text"
"""


@pytest.fixture
def clock() -> FakeClock:
    return FakeClock(datetime(2026, 11, 30, 9, 0, tzinfo=UTC))


@pytest.fixture
def conn(tmp_path, clock):  # noqa: ANN001, ANN201
    conn = connection.connect(tmp_path / "checkin.db")
    import_definitions(conn, parse_toml(CHECKINS), clock=clock)
    access.record_workspace(conn, TEAM)
    members.upsert_member(conn, "U001", name="ana", real_name="Ana Ash", clock=clock)
    members.upsert_member(conn, "U002", name="bo", real_name="Bo Birch", clock=clock)
    members.upsert_member(conn, "U003", name="cy", real_name="Cy Cedar", is_admin=True, clock=clock)
    members.upsert_member(conn, "U004", name="di", real_name="Di Dune", clock=clock)
    members.upsert_member(
        conn, "U006", name="fay", active=False, inactive_reason="deactivated", clock=clock
    )
    members.upsert_member(
        conn, "U007", name="gus", active=False, inactive_reason="cannot_dm_bot", clock=clock
    )
    yield conn
    conn.close()


def slack_claims(user: str, team: str = TEAM, **extra: object) -> dict:
    return {
        "is_logged_in": True,
        "name": extra.pop("name", "Someone"),
        SLACK_USER_ID: user,
        SLACK_TEAM_ID: team,
        **extra,
    }


def checkin_id(conn, name: str) -> int:  # noqa: ANN001
    return conn.execute("SELECT id FROM checkins WHERE name = ?", (name,)).fetchone()[0]


def test_a_known_member_signs_in_as_a_member(conn):
    viewer = identify(conn, slack_claims("U001", name="Ana Ash"))
    assert viewer == Viewer(role="member", slack_id="U001", name="Ana Ash")
    assert viewer.may_see_member("U001") and not viewer.may_see_member("U002")


def test_a_lead_named_in_the_checkin_sees_that_checkin_only(conn):
    viewer = identify(conn, slack_claims("U002"))
    assert isinstance(viewer, Viewer) and viewer.role == "lead"
    assert viewer.lead_of == {checkin_id(conn, "daily")}
    assert viewer.may_see_checkin(checkin_id(conn, "daily"))
    assert not viewer.may_see_checkin(checkin_id(conn, "retro"))


def private_leads_channel(conn, clock, is_private: bool = True) -> None:  # noqa: ANN001
    """What the bot records when it reads #leads, the retro's report channel."""
    channels.record_channels(
        conn, [{"id": "C0LEADS", "name": "leads", "is_private": is_private}], clock=clock
    )


def test_members_of_the_report_channel_lead_when_the_checkin_says_so(conn, clock):
    private_leads_channel(conn, clock)
    access.record_report_channel(conn, checkin_id(conn, "retro"), ["U004", "U001"], clock=clock)
    viewer = identify(conn, slack_claims("U004"))
    assert viewer.role == "lead" and viewer.lead_of == {checkin_id(conn, "retro")}
    # a later reading of the channel without them ends it
    access.record_report_channel(conn, checkin_id(conn, "retro"), ["U001"], clock=clock)
    assert identify(conn, slack_claims("U004")).role == "member"


def test_report_channel_members_do_not_lead_a_checkin_that_does_not_say_so(conn, clock):
    access.record_report_channel(conn, checkin_id(conn, "daily"), ["U004"], clock=clock)
    assert identify(conn, slack_claims("U004")).role == "member"


def test_a_workspace_admin_recorded_by_the_bot_is_an_admin(conn):
    viewer = identify(conn, slack_claims("U003"))
    assert viewer.role == "admin" and viewer.may_see_checkin(checkin_id(conn, "retro"))


def test_an_admin_listed_in_the_settings_is_an_admin_even_before_the_bot_saw_them(conn):
    viewer = identify(conn, slack_claims("U009"), admins=("U009",))
    assert viewer.role == "admin" and viewer.slack_id == "U009"


def test_another_workspace_is_refused_with_its_reason(conn):
    refusal = identify(conn, slack_claims("U001", team="T9999"))
    assert isinstance(refusal, Refusal) and refusal.reason == "other_team"
    assert "another Slack workspace" in refusal.message and "T9999" in refusal.message


def test_a_workspace_not_yet_recorded_by_the_bot_refuses_everyone(tmp_path):
    conn = connection.connect(tmp_path / "fresh.db")
    refusal = identify(conn, slack_claims("U001"))
    assert refusal.reason == "no_workspace" and "python -m bot" in refusal.message


def test_an_unknown_person_of_the_workspace_is_refused(conn):
    refusal = identify(conn, slack_claims("U0NEW"))
    assert refusal.reason == "unknown" and "not a member" in refusal.message


def test_a_deactivated_member_is_refused(conn):
    refusal = identify(conn, slack_claims("U006"))
    assert refusal.reason == "deactivated"


def test_a_deactivated_admin_listed_in_the_settings_is_still_refused(conn):
    assert identify(conn, slack_claims("U006"), admins=("U006",)).reason == "deactivated"


def test_a_member_whose_dm_is_closed_may_still_sign_in(conn):
    assert identify(conn, slack_claims("U007")).role == "member"


def test_signed_out_claims_are_refused(conn):
    assert identify(conn, {"email": "test@example.com"}).reason == "signed_out"
    assert identify(conn, {"is_logged_in": False}).reason == "signed_out"


def by_email(email: str, **extra: object) -> dict:
    return {"is_logged_in": True, "email": email, **extra}


@pytest.mark.parametrize("verified", [True, "true", "TRUE", " true "])
def test_another_provider_finds_the_member_by_the_email_the_bot_recorded(conn, verified):
    access.record_email(conn, "U004", "Di@Example.com")
    viewer = identify(conn, by_email("di@example.com", name="Di", email_verified=verified))
    assert viewer.slack_id == "U004" and viewer.role == "member"


@pytest.mark.parametrize(
    "claims",
    [
        by_email("di@example.com"),
        by_email("di@example.com", email_verified=False),
        by_email("di@example.com", email_verified="false"),
        by_email("di@example.com", email_verified="False"),
        by_email("di@example.com", email_verified=None),
        by_email("di@example.com", email_verified=1),
        by_email("di@example.com", email_verified="yes"),
        by_email("di@example.com", email_verified=""),
        by_email("di@example.com", email_verified=[True]),
    ],
    ids=["absent", "false", "'false'", "'False'", "null", "1", "'yes'", "empty", "list"],
)
def test_an_email_the_provider_did_not_say_it_verified_is_refused(conn, claims):
    access.record_email(conn, "U004", "di@example.com")
    access.record_email(conn, "U009", "boss@example.com")
    refusal = identify(conn, claims, admins=("U004",))
    assert isinstance(refusal, Refusal) and refusal.reason == "unverified"
    assert "di@example.com" in refusal.message and "\n" not in refusal.message


def test_an_unverified_email_is_refused_even_for_an_admin_or_a_lead(conn):
    access.record_email(conn, "U002", "bo@example.com")  # leads "daily"
    assert identify(conn, by_email("bo@example.com"), admins=("U002",)).reason == "unverified"
    assert identify(conn, by_email("bo@example.com", email_verified=True)).role == "lead"


def test_slack_sign_in_is_matched_by_its_user_id_not_by_email_verified(conn):
    claims = {**slack_claims("U001"), "email": "u001@example.com"}
    assert identify(conn, claims).role == "member"


def test_another_provider_with_an_unknown_or_no_email_is_refused(conn):
    access.record_email(conn, "U004", "di@example.com")
    assert identify(conn, by_email("x@example.com", email_verified=True)).reason == "unknown"
    assert identify(conn, {"is_logged_in": True}).reason == "unknown"


def test_one_address_on_two_members_matches_neither(conn):
    access.record_email(conn, "U001", "shared@example.com")
    access.record_email(conn, "U004", "shared@example.com")
    claims = by_email("shared@example.com", email_verified=True)
    assert identify(conn, claims).reason == "unknown"


def test_min_group_is_passed_on_but_never_below_three(conn):
    assert identify(conn, slack_claims("U001"), min_group=5).min_group == 5
    assert identify(conn, slack_claims("U001"), min_group=2).min_group == 3


def test_leads_in_a_definition_must_be_user_ids():
    bad = CHECKINS.replace('leads = ["U002"]', 'leads = ["#team"]')
    with pytest.raises(DefinitionError, match="leads"):
        parse_toml(bad)


def test_leads_from_the_report_channel_need_a_report_channel():
    bad = CHECKINS.replace(
        'report_channel = "#leads"\nreport = { day = "fri", time = "16:00" }\n', ""
    )
    with pytest.raises(DefinitionError, match="leads_from_report_channel"):
        parse_toml(bad)


def test_leads_survive_export_and_import(conn):
    from checkin.checkins.definitions import load_definitions, to_toml

    again = parse_toml(to_toml(load_definitions(conn)))
    by_name = {d.name: d for d in again}
    assert by_name["daily"].leads == ["U002"]
    assert by_name["retro"].leads_from_report_channel is True


def test_admins_come_from_checkin_admins_separated_by_commas():
    from checkin.config import ConfigError, load_config

    config = load_config({"CHECKIN_ADMINS": "U001, U002"}, dotenv_path=None)
    assert config.admins == ("U001", "U002")
    with pytest.raises(ConfigError, match="CHECKIN_ADMINS: 'ana'"):
        load_config({"CHECKIN_ADMINS": "ana"}, dotenv_path=None)


def test_claims_quoted_in_a_refusal_carry_no_markup(conn):
    refusal = identify(conn, slack_claims("U001", team="T9**[x](http://e.example)**"))
    assert "*" not in refusal.message and "](" not in refusal.message
    unknown = identify(conn, by_email("<b>x</b>@example.com", email_verified=True))
    assert "<" not in unknown.message
    unverified = identify(conn, by_email("<b>x</b>@example.com"))
    assert unverified.reason == "unverified" and "<" not in unverified.message


def _asked(conn, clock, checkin: int, member: str, status: str = "answered") -> None:  # noqa: ANN001
    conn.execute(
        "INSERT INTO runs (checkin_id, member_id, local_date, week, due_at, closes_at, status, "
        "created_at) VALUES (?, ?, '2026-11-30', '2026-W49', '2026-11-30T09:00:00Z', "
        "'2026-11-30T23:59:00Z', ?, '2026-11-30T09:00:00Z')",
        (checkin, member, status),
    )


def test_a_member_asked_in_a_team_checkin_sees_it_in_full_and_no_other(conn, clock):
    daily, retro = checkin_id(conn, "daily"), checkin_id(conn, "retro")
    conn.execute("UPDATE checkins SET visibility = 'team'")
    _asked(conn, clock, daily, "U001")
    _asked(conn, clock, retro, "U004", status="dev_skipped")  # never sent: not asked
    ana = identify(conn, slack_claims("U001"))
    assert (ana.role, ana.shared) == ("member", frozenset({daily}))
    assert ana.may_see_checkin(daily) and not ana.suppresses(daily)
    assert ana.may_see_member("U003", daily) and not ana.may_see_member("U003", retro)
    assert not ana.may_see_checkin(retro) and ana.suppresses(retro)
    assert identify(conn, slack_claims("U004")).shared == frozenset()


def test_a_private_checkin_shows_a_member_asked_in_it_only_their_own(conn, clock):
    daily = checkin_id(conn, "daily")
    _asked(conn, clock, daily, "U001")
    ana = identify(conn, slack_claims("U001"))
    assert ana.shared == frozenset() and ana.suppresses(daily)
    assert not ana.may_see_member("U004", daily)


def test_slack_makes_the_same_viewer_as_sign_in(conn, clock):
    daily = checkin_id(conn, "daily")
    conn.execute("UPDATE checkins SET visibility = 'team' WHERE id = ?", (daily,))
    _asked(conn, clock, daily, "U001")
    for user in ("U001", "U002", "U003", "U004"):
        signed_in = identify(conn, slack_claims(user), admins=("U004",))
        in_slack = access.viewer_for_member(conn, user, admins=("U004",))
        assert in_slack == signed_in.__class__(**{**signed_in.__dict__, "name": in_slack.name})
    assert access.viewer_for_member(conn, "U006").reason == "deactivated"
    assert access.viewer_for_member(conn, "U999").reason == "unknown"


def test_a_report_channel_the_bot_has_not_seen_private_makes_nobody_a_lead(conn, clock):
    access.record_report_channel(conn, checkin_id(conn, "retro"), ["U004"], clock=clock)
    assert identify(conn, slack_claims("U004")).role == "member"  # not seen yet: nothing
    private_leads_channel(conn, clock, is_private=False)
    assert identify(conn, slack_claims("U004")).role == "member"  # public: nothing
    private_leads_channel(conn, clock, is_private=True)
    assert identify(conn, slack_claims("U004")).role == "lead"
    private_leads_channel(conn, clock, is_private=False)  # turned public later
    assert identify(conn, slack_claims("U004")).role == "member"
    assert channels.public_lead_channels(conn) == [("retro", "#leads")]


def test_leads_from_a_channel_the_bot_saw_public_are_refused_at_import(conn, clock):
    private_leads_channel(conn, clock, is_private=False)
    before = conn.execute("SELECT updated_at, report_channel FROM checkins").fetchall()
    with pytest.raises(DefinitionError) as refused:
        import_definitions(conn, parse_toml(CHECKINS), clock=clock)
    (line,) = refused.value.problems
    assert line.startswith("#leads is a public channel: anyone could join it and become a lead")
    assert conn.execute("SELECT updated_at, report_channel FROM checkins").fetchall() == before


def test_the_checkins_page_refuses_leads_from_a_public_channel_under_its_field(conn, clock):
    private_leads_channel(conn, clock, is_private=False)
    form = editing.checkin_form(conn, OPERATOR, checkin_id(conn, "retro"))
    definition, errors = editing.validate_form(conn, form)
    assert definition is None
    assert errors["report_channel"][0].startswith("#leads is a public channel")
