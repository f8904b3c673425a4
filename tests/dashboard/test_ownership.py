"""The Operations page's ownership components under AppTest, on a real database file."""

from contextlib import closing
from datetime import timedelta
from pathlib import Path

import pytest
from streamlit.testing.v1 import AppTest

from checkin.clock import FakeClock, system_clock
from checkin.config import Config
from checkin.db import connection
from checkin.ops import backup, deploys, heartbeat
from checkin.people import members
from checkin.pool import submit
from dashboard import data

APP = str(Path(__file__).resolve().parents[2] / "streamlit_app.py")


def page(role: str = "admin") -> None:
    """The three components as the Operations page calls them."""
    from checkin.people.viewer import OPERATOR, Viewer
    from dashboard import ownership

    viewer = OPERATOR if role == "admin" else Viewer(role=role, slack_id="U001")
    ownership.show_backups(viewer)
    ownership.show_deploys(viewer)
    ownership.show_member_data(viewer)


@pytest.fixture
def live(tmp_path, monkeypatch):  # noqa: ANN001, ANN201
    path = tmp_path / "checkin.db"
    monkeypatch.setenv("CHECKIN_DB", str(path))
    monkeypatch.setenv("CHECKIN_ENV", "production")
    with closing(connection.connect(path)) as conn:
        members.upsert_member(conn, "U001", name="ada", real_name="Ada Quist")
        members.upsert_member(conn, "U002", name="bo", real_name="Bo Brant")
    return path


def run(role: str = "admin") -> AppTest:
    at = AppTest.from_function(page, args=(role,), default_timeout=30).run()
    assert not at.exception, at.exception
    return at


def test_the_last_backup_and_its_size_are_shown(live, tmp_path):
    taken = backup.take_backup(Config(db_path=live), tmp_path / "b" / "copy.db")
    at = run()
    metrics = {m.label: m.value for m in at.metric}
    assert metrics["Last backup"] == "0 min ago"
    assert metrics["Size"] == backup.size_words(taken.bytes)
    assert metrics["Taken by"] == "cli"
    assert not [w for w in at.warning if "backup" in w.value]
    assert str(taken.path.resolve()) in at.caption[0].value
    assert list(at.dataframe[0].value["path"]) == [str(taken.path.resolve())]


def test_a_backup_older_than_two_days_is_warned_about(live, tmp_path):
    clock = FakeClock(system_clock() - timedelta(days=2, hours=3))
    backup.take_backup(Config(db_path=live), tmp_path / "old.db", clock=clock)
    at = run()
    (warning,) = [w for w in at.warning if "backup" in w.value]
    assert "2.1 days old (older than two days)" in warning.value
    assert {m.label: m.value for m in at.metric}["Last backup"] == "2.1 days ago"


def test_no_backup_at_all_is_warned_about(live):
    at = run()
    assert any("No backup has been taken" in w.value for w in at.warning)


def test_the_deploy_trail_and_the_running_bots_version_are_shown(live, tmp_path):
    (tmp_path / "src" / ".git").mkdir(parents=True)
    (tmp_path / "src" / ".git" / "HEAD").write_text("c" * 40)
    clock = FakeClock(system_clock() - timedelta(days=6))
    config = Config(db_path=live, env="production")
    with closing(connection.connect(live)) as conn:
        deploys.record_start(conn, "bot", config, clock=clock, root=tmp_path / "nowhere")
        clock.advance(days=5)
        deploys.record_start(conn, "bot", config, clock=clock, root=tmp_path / "src")
        heartbeat.beat(conn, env="production", dev_users=(), started_at=clock(), connected=True)
    at = run()
    trail = at.dataframe[-1].value  # the last component with a table
    assert list(trail["process"]) == ["bot", "bot"]
    assert list(trail["commit"]) == ["c" * 12, ""]
    assert set(trail["environment"]) == {"production"}
    assert any(
        c.value.startswith(f"Bot running: {deploys.__version__}+ccccccc, pid ") for c in at.caption
    )


def test_a_member_sees_none_of_it(live, tmp_path):
    backup.take_backup(Config(db_path=live), tmp_path / "copy.db")
    at = run(role="member")
    assert not at.header and not at.metric and not at.dataframe and not at.selectbox


def test_an_admin_forgets_a_member_after_typing_their_id(live):
    with closing(connection.connect(live)) as conn:
        submit.submit(conn, "Who is Ada Quist?", submitted_by="U001", source="web")
    at = run()
    at.selectbox(key="ownership_member").set_value("U001").run()
    assert any("U001 (Ada Quist): erase 0 answers" in t.value for t in at.text)  # as text
    at.text_input(key="ownership_forget_confirm").input("U002").run()
    at.button(key="ownership_forget").click().run()
    assert "nothing was erased" in at.error[0].value
    with closing(connection.connect(live)) as conn:
        assert members.get_member(conn, "U001")["real_name"] == "Ada Quist"

    at.text_input(key="ownership_forget_confirm").input("U001").run()
    at.button(key="ownership_forget").click().run()
    assert at.success[0].value == "Forgot U001: 2 rows changed."
    with closing(connection.connect(live)) as conn:
        member = members.get_member(conn, "U001")
        submitter = conn.execute("SELECT submitted_by FROM pool_questions").fetchone()[0]
    assert member["real_name"] == "(forgotten member)" and submitter is None
    names = at.run().selectbox(key="ownership_member").options  # the next run shows it
    assert "(forgotten member) (U001)" in names


def test_the_export_button_offers_the_members_json(live):
    at = run()
    assert at.selectbox(key="ownership_member").value == "U001"
    assert at.get("download_button")[0].proto.label == "Export as JSON"
    assert any("0 answers, 0 check-ins sent, 0 pool questions" in c.value for c in at.caption)


def test_the_web_app_records_its_start_once_per_process(live):
    at = AppTest.from_file(APP, default_timeout=30).run()
    assert not at.exception
    at.run()
    AppTest.from_file(APP, default_timeout=30).run()
    with closing(connection.connect(live)) as conn:
        starts = conn.execute("SELECT process, env FROM deploys").fetchall()
    assert [tuple(r) for r in starts] == [("web", "production")]
    assert data.record_web_start() is not None  # cached: no second row
    with closing(connection.connect(live)) as conn:
        assert conn.execute("SELECT COUNT(*) FROM deploys").fetchone()[0] == 1
