"""People's words are text in every label the web app draws, and tables download safely.

Streamlit renders Markdown in titles, captions, alerts and the labels of
widgets, expanders, tabs, metrics and radio options. Each test puts markup,
an image and HTML where a person types (a pool suggestion, a name, a
question) and checks, on AppTest's element values, that every mark reaches
the browser escaped, so it shows as typed and loads nothing.
"""

from __future__ import annotations

import csv
import io
import re
import tomllib
from datetime import timedelta
from pathlib import Path

import pytest
from streamlit import config as st_config
from streamlit.testing.v1 import AppTest

from checkin.clock import system_clock
from checkin.db import connection
from checkin.feedback import invites, requests
from checkin.people import members
from checkin.pool import submit as pool_submit
from dashboard import components
from tests.dashboard.conftest import APP, EVIL, app, literal

ROOT = Path(__file__).resolve().parents[2]
IMAGE = "![x](http://evil.example/p.png) **b**"
NAME = "**Ana** [x](http://evil.example) <img src=x onerror=alert(1)> :red[y] $z$"
QUESTION = "How is it? ![q](http://evil.example/q.png) <b>bold</b> _i_"


def page(path: str) -> AppTest:
    at = app()
    at.switch_page(path)
    return at.run()


def all_labels(at: AppTest) -> list[str]:
    """Every Markdown-rendered label and text on the page, sidebar included."""
    found: list[str] = []
    for kind in (
        "title",
        "subheader",
        "header",
        "caption",
        "markdown",
        "error",
        "warning",
        "info",
        "success",
    ):
        found += [e.value for e in getattr(at, kind)]
    for kind in (
        "expander",
        "tabs",
        "metric",
        "radio",
        "text_area",
        "text_input",
        "selectbox",
        "multiselect",
        "checkbox",
        "button",
    ):
        found += [e.label for e in getattr(at, kind)]
    found += [str(o) for r in at.radio for o in r.options]
    return found


def assert_literal_wherever_shown(at: AppTest, text: str) -> int:
    """Each label carrying `text` shows it as typed; returns how many carry it."""
    carrying = 0
    for label in all_labels(at):
        assert text not in label, f"unescaped: {label!r}"
        shown = literal(label)
        if shown is not None and text in shown:
            carrying += 1
    return carrying


@pytest.fixture
def pool_db(tmp_path, monkeypatch):  # noqa: ANN001, ANN201
    path = tmp_path / "checkin.db"
    monkeypatch.setenv("CHECKIN_DB", str(path))
    conn = connection.connect(path)
    members.upsert_member(conn, "U001", real_name="Alice Moreau")
    members.upsert_member(conn, "U002", real_name=NAME)
    pool_submit.submit(conn, IMAGE, submitted_by="U002", source="web")
    conn.close()
    return path


def test_a_pool_suggestion_with_an_image_shows_as_typed_in_its_expander_and_loads_nothing(
    pool_db,  # noqa: ANN001
):
    at = page("dashboard/pages/pool.py")
    assert not at.exception
    (label,) = [e.label for e in at.expander]
    assert literal(label).startswith(IMAGE + " · ")
    assert "![" not in label and "](" not in label and "**" not in label
    assert list(at.dataframe[0].value["question"]) == [IMAGE]  # a table cell is text already
    assert assert_literal_wherever_shown(at, IMAGE) == 1


def test_a_near_duplicate_refusal_quotes_the_suggestion_as_typed(pool_db):  # noqa: ANN001
    at = page("dashboard/pages/pool.py")
    at.text_area(key="pool_text").input(IMAGE.replace("**b**", "**b** ?"))
    [b for b in at.button if b.label == "Submit"][0].click()
    at.run()
    (error,) = [e.value for e in at.error]
    assert IMAGE in literal(error)


def test_a_suggestion_submitted_on_the_page_is_confirmed_as_typed(pool_db):  # noqa: ANN001
    at = page("dashboard/pages/pool.py")
    typed = "Best <b>tool</b> of [the](http://evil.example/t) week? :red[now]"
    at.text_area(key="pool_text").input(typed)
    [b for b in at.button if b.label == "Submit"][0].click()
    at.run()
    assert not at.error
    assert literal(at.success[0].value) == f"Submitted: “{typed}”. An admin will review it."
    assert assert_literal_wherever_shown(at, typed) == 2  # the message and the expander


@pytest.fixture
def feedback_db(tmp_path, monkeypatch):  # noqa: ANN001, ANN201
    path = tmp_path / "checkin.db"
    monkeypatch.setenv("CHECKIN_DB", str(path))
    monkeypatch.delenv("CHECKIN_SECRET", raising=False)
    conn = connection.connect(path)
    members.upsert_member(conn, "U001", real_name=NAME)
    for uid, name in (("U002", "Bo"), ("U003", "Cy"), ("U004", "Di")):
        members.upsert_member(conn, uid, real_name=name)
    today = system_clock().date()
    request_id = requests.create_request(
        conn,
        subject="U001",
        requested_by="U001",
        reviewers=["U002", "U003", "U004"],
        due=today + timedelta(days=10),
        today=today,
    )
    invite = next(iter(invites.invites_to_send(conn, request_id)))
    token = invites.issue_link_token(conn, invite["id"])
    conn.close()
    return token


def test_a_name_with_markup_shows_as_typed_on_the_feedback_page_and_form(feedback_db):  # noqa: ANN001
    at = page("dashboard/pages/feedback.py")
    assert not at.exception
    (label,) = [e.label for e in at.expander]
    assert literal(label).startswith(f"About {NAME}, asked by {NAME}, due ")
    assert assert_literal_wherever_shown(at, NAME) == 1
    # selectbox options are plain text in the browser: the name goes in as typed
    assert NAME in at.selectbox(key="fb_subject").options

    form = AppTest.from_file(APP, default_timeout=60)
    form.query_params["token"] = feedback_db
    form.switch_page("dashboard/pages/feedback_form.py")
    form.run()
    assert not form.exception and not form.error
    assert literal(form.title[0].value) == f"Feedback about {NAME}"
    for radio in form.radio:
        assert literal(radio.label) is not None
        assert all(literal(o) is not None for o in radio.options)


def test_a_question_with_markup_shows_as_typed_in_the_overview_metric(demo):  # noqa: ANN001
    conn = connection.connect(demo.path)
    with connection.transaction(conn):
        conn.execute("UPDATE questions SET text = ? WHERE kind = 'scale'", (QUESTION,))
        conn.execute(
            "UPDATE question_versions SET text = ? WHERE question_id IN "
            "(SELECT id FROM questions WHERE kind = 'scale')",
            (QUESTION,),
        )
    conn.close()
    at = app().run()
    assert not at.exception
    labels = [m.label for m in at.metric]
    assert any(literal(lb) and literal(lb).startswith(QUESTION[:20]) for lb in labels), labels
    assert all(literal(lb) is not None for lb in labels[2:])


def test_the_tables_own_download_is_off_and_the_apps_csv_neutralises_formulas(demo):  # noqa: ANN001
    settings = tomllib.loads((ROOT / ".streamlit" / "config.toml").read_text())
    assert settings["client"]["disableDataExport"] is True
    app().run()
    assert st_config.get_option("client.disableDataExport") is True
    rows = [{"member": "Ana", "answer": text} for text in EVIL] + [{"member": "Bo", "answer": "-5"}]
    got = list(csv.DictReader(io.StringIO(components.csv_bytes(rows).decode("utf-8-sig"))))
    assert [r["answer"] for r in got] == [*EVIL[:3], "'" + EVIL[3], "-5"]


def test_the_answers_page_offers_its_own_csv_under_each_table(demo):  # noqa: ANN001
    at = page("dashboard/pages/answers.py")
    assert not at.exception
    assert at.dataframe and "answers_member_csv" in [b.key for b in at.get("download_button")]


CHECKIN_NAME = "well_being_ - 2"  # a name may hold _ and -, which Markdown would read


def select_options(at: AppTest) -> list[str]:
    """The options of every selectbox and multiselect on the page, sidebar included."""
    return [
        str(o) for kind in ("selectbox", "multiselect") for w in at.get(kind) for o in w.options
    ]


def test_select_options_of_peoples_words_are_the_words_as_typed(demo):  # noqa: ANN001
    """Select and multiselect options reach the browser as plain text (Streamlit draws them
    so): people's words go in as typed, never escaped (an escape would show as a backslash).
    The week slider's options are Markdown, and are dates the app writes."""
    conn = connection.connect(demo.path)
    member_id = conn.execute(
        "SELECT DISTINCT member_id FROM runs WHERE checkin_id = ? ORDER BY member_id LIMIT 1",
        (demo.checkin_id,),
    ).fetchone()[0]
    with connection.transaction(conn):
        conn.execute("UPDATE checkins SET name = ? WHERE id = ?", (CHECKIN_NAME, demo.checkin_id))
        conn.execute(
            "UPDATE questions SET text = ? WHERE checkin_id = ? AND kind = 'scale'",
            (QUESTION, demo.checkin_id),
        )
        conn.execute("UPDATE members SET real_name = ? WHERE slack_id = ?", (NAME, member_id))
    conn.close()

    at = app().run()
    assert not at.exception
    assert CHECKIN_NAME in at.sidebar.selectbox(key="filter_checkin").options
    weeks = at.sidebar.select_slider(key=f"filter_weeks_{demo.checkin_id}")
    week_words = re.compile(r"\d{4}-W\d{2} \(\d{1,2} [A-Z][a-z]{2}\)")  # forms no Markdown
    assert weeks.options and all(week_words.fullmatch(o) for o in weeks.options), weeks.options
    at.sidebar.radio(key="filter_who").set_value("Some members").run()
    assert NAME in at.sidebar.multiselect(key=f"filter_members_{demo.checkin_id}").options
    seen = select_options(at)

    at.switch_page("dashboard/pages/answers.py").run()
    assert not at.exception
    assert f"{NAME} ({member_id})" in at.selectbox(key="answers_member").options
    assert CHECKIN_NAME in at.selectbox(key="answers_member_checkin").options
    assert f"{CHECKIN_NAME} · {QUESTION}" in at.selectbox(key="answers_question").options
    assert NAME in at.selectbox(key="answers_search_member").options
    seen += select_options(at)

    at.switch_page("dashboard/pages/checkins.py").run()
    assert not at.exception
    assert CHECKIN_NAME in at.selectbox(key="ci_choice").options
    seen += select_options(at)

    carrying = [o for o in seen if NAME in o or CHECKIN_NAME in o or QUESTION in o]
    assert len(carrying) >= 8
    assert not [o for o in seen if "\\" in o], "an option escaped: it would show a backslash"
