"""On a phone a table of people's words shows as cards: the same rows, escaped like the table."""

from streamlit.testing.v1 import AppTest

from dashboard.components import CARDS_AT_MOST, STYLE, cards_html
from tests.dashboard.conftest import EVIL, app


def _cards(at: AppTest) -> list[str]:
    return [h.proto.body for h in at.get("html") if "checkin-card" in h.proto.body]


def test_the_summarys_cards_show_markup_and_formulas_as_typed(evil_demo):
    at = app().run()
    at.switch_page("dashboard/pages/summary.py").run()
    assert not at.exception
    cards = "".join(_cards(at))
    assert "&lt;script&gt;alert(1)&lt;/script&gt;" in cards
    assert "<script>" not in cards and "<a " not in cards
    assert "[x](http://evil)" in cards and "**b**" in cards
    assert "=HYPERLINK(&quot;http://evil&quot;,&quot;x&quot;)" in cards
    assert set(EVIL) <= {text for df in at.dataframe for text in df.value.get("answer", [])}, (
        "the wide table shows the same answers"
    )


def test_an_answers_card_for_each_row_of_its_table(demo):
    at = app().run()
    at.switch_page("dashboard/pages/answers.py").run()
    assert not at.exception
    table, cards = at.dataframe[0], _cards(at)[0]  # the first tab: one member's answers
    assert cards.count('class="checkin-card"') == len(table.value)
    first = table.value.iloc[0]
    assert f'<div class="words">{first["answer"]}</div>' in cards
    assert f"{first['date']} · {first['check-in']} · " in cards


def _many_rows() -> None:
    from dashboard import components

    rows = [{"who": f"M{i}", "said": f"answer {i}"} for i in range(105)]
    components.table(rows, key="many", about=("who",), words="said")


def test_a_long_table_shows_its_first_hundred_as_cards_and_says_so():
    at = AppTest.from_function(_many_rows).run()
    assert len(at.dataframe[0].value) == 105
    [cards] = _cards(at)
    assert cards.count('class="checkin-card"') == CARDS_AT_MOST == 100
    assert '<div class="about">M99</div>' in cards and "M100" not in cards
    assert [c.value for c in at.caption] == ["The first 100 of 105: a wider screen shows them all."]


def test_a_card_is_who_and_when_on_one_line_then_the_words():
    rows = [{"who": "Ada", "when": "Mon", "note": "", "words": "fine <b>"}]
    assert cards_html(rows, ("who", "when", "note"), "words") == (
        '<div class="checkin-card"><div class="about">Ada · Mon</div>'
        '<div class="words">fine &lt;b&gt;</div></div>'
    )


def test_cards_show_on_a_phone_and_tables_on_a_wider_screen():
    assert "@media (max-width: 640px)" in STYLE and '[class*="st-key-wide-"]' in STYLE
    assert "@media (min-width: 641px)" in STYLE and '[class*="st-key-phone-"]' in STYLE
