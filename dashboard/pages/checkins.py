"""Check-ins: create and edit a check-in and its questions, send it now, post its summary,
import and export TOML.

The form is checked by the same validator as `checkins import`; each message is
shown under its field. What Slack must do goes to the outbox; the page shows
how each request ended.
"""

from collections.abc import Callable

import streamlit as st

from checkin import errors
from checkin.checkins.choices import common_zone
from checkin.checkins.definitions import DAYS, KINDS, DefinitionError
from checkin.checkins.editing import CheckinForm, FormErrors, QuestionForm
from checkin.errors import NotAllowed
from checkin.people.visible import VISIBILITY_LABELS as VISIBILITY_CHOICES
from dashboard import auth, components, data, pickers

NEW = 0  # the choice "a new check-in"

st.title("Check-ins")

try:
    viewer = auth.viewer()
    summaries = data.managed_checkins(viewer)
    # --- pickers: the members and channels the bot knows
    known_people = data.known_people(viewer) if viewer.is_admin else []
    known_rooms = data.known_channels(viewer) if viewer.is_admin else []
except data.Unavailable as exc:
    st.error(str(exc))
    st.stop()


plain = components.plain  # names and messages quote people's input: shown as typed


def field_errors(name: str) -> None:
    for message in st.session_state.get("ci_errors", {}).get(name, []):
        st.error(plain(message), icon=":material/error:")


def lines(text: str) -> list[str]:
    return [line.strip() for line in (text or "").splitlines() if line.strip()]


def load(choice: int) -> None:
    """Put a check-in (or an empty one) into the widgets' state."""
    form = CheckinForm() if choice == NEW else data.checkin_form(viewer, choice)
    if choice == NEW:
        form.questions = [QuestionForm(kind="text", text="")]
    state = st.session_state
    state.ci_loaded = choice
    state.ci_kept = form
    state.ci_errors = {}
    state.ci_name = form.name
    state.ci_days = list(form.days)
    state.ci_time = form.time
    state.ci_timezone = form.timezone
    # --- pickers: stored as the TOML file holds them (ids, "#channel")
    state.ci_participants = list(form.participants)
    state.ci_leads = list(form.leads)
    state.ci_leads_from = bool(form.leads_from_report_channel)
    state.ci_zone_follows = choice == NEW  # a new check-in's zone follows its participants
    # ---
    state.ci_report_channel = form.report_channel
    state.ci_report_day = form.report_day
    state.ci_report_time = form.report_time
    state.ci_reminder = int(form.reminder_minutes)
    state.ci_random = bool(form.random_question)
    state.ci_visibility = form.visibility
    state.ci_broadcast = form.broadcast
    state.ci_broadcast_thread = form.broadcast_thread
    state.ci_questions = []
    for q in form.questions:
        add_question(q)


def add_question(q: QuestionForm | None = None) -> None:
    q = q or QuestionForm(kind=st.session_state.get("ci_new_kind", "text"))
    state = st.session_state
    state.ci_counter = state.get("ci_counter", 0) + 1
    uid = f"q{q.id}" if q.id is not None else f"n{state.ci_counter}"
    state[f"ci_{uid}_kind"] = q.kind
    state[f"ci_{uid}_text"] = q.text
    state[f"ci_{uid}_labels"] = "\n".join(q.labels)
    state[f"ci_{uid}_options"] = "\n".join(q.options)
    state.ci_questions = [*state.get("ci_questions", []), {"uid": uid, "id": q.id}]


def move(index: int, by: int) -> None:
    questions = list(st.session_state.ci_questions)
    target = index + by
    if 0 <= target < len(questions):
        questions[index], questions[target] = questions[target], questions[index]
        st.session_state.ci_questions = questions
        st.session_state.ci_errors = {}


def remove(index: int) -> None:
    questions = list(st.session_state.ci_questions)
    questions.pop(index)
    st.session_state.ci_questions = questions
    st.session_state.ci_errors = {}


def form_from_widgets() -> CheckinForm:
    state = st.session_state
    kept: CheckinForm = state.ci_kept
    questions = [
        QuestionForm(
            kind=state[f"ci_{q['uid']}_kind"],
            text=state[f"ci_{q['uid']}_text"],
            labels=lines(state.get(f"ci_{q['uid']}_labels", "")),
            options=lines(state.get(f"ci_{q['uid']}_options", "")),
            id=q["id"],
        )
        for q in state.ci_questions
    ]
    return CheckinForm(
        id=None if state.ci_loaded == NEW else state.ci_loaded,
        name=state.ci_name,
        days=list(state.ci_days),
        time=state.ci_time,
        timezone=state.ci_timezone,
        # --- pickers
        participants=[str(p).strip() for p in state.ci_participants if str(p).strip()],
        leads=[str(p).strip() for p in state.ci_leads if str(p).strip()],
        leads_from_report_channel=bool(state.ci_leads_from),
        # ---
        report_channel=state.ci_report_channel,
        report_day=state.ci_report_day or "",
        report_time=state.ci_report_time,
        reminder_minutes=int(state.ci_reminder),
        random_question=bool(state.ci_random),
        visibility=state.ci_visibility,
        broadcast=state.get("ci_broadcast", ""),
        broadcast_thread=bool(state.get("ci_broadcast_thread", True)),
        questions=questions,
        window_hours=kept.window_hours,
        name_missing=kept.name_missing,
        active=kept.active,
        retention_weeks=kept.retention_weeks,
    )


# --- pickers: the report time zone follows the participants until someone picks one -------


def picked_zone() -> None:
    st.session_state.ci_zone_follows = False


def use_zone(zone: str) -> None:
    st.session_state.ci_timezone = zone
    st.session_state.ci_zone_follows = False


def participants_changed() -> None:
    found = common_zone(known_people, st.session_state.ci_participants)
    if found and st.session_state.get("ci_zone_follows"):
        st.session_state.ci_timezone = found.zone


# ---------------------------------------------------------------------------------------------


def save() -> None:
    state = st.session_state
    try:
        saved = data.save_checkin(viewer, form_from_widgets())
    except FormErrors as exc:
        state.ci_errors = exc.fields
        state.ci_flash = ("error", "Not saved: fix the fields marked below.")
        return
    except (NotAllowed, errors.NotFound) as exc:
        state.ci_flash = ("error", str(exc))
        return
    state.ci_errors = {}
    state.ci_flash = ("success", f"Saved: {saved.outcome}.")
    state.ci_choice = saved.checkin_id
    state.ci_loaded = None  # reload what was written


def queue(ask: Callable[[], int]) -> None:
    """Ask the bot through the outbox; keep the request's id to show how it ends."""
    try:
        outbox_id = ask()
    except (NotAllowed, errors.NotFound) as exc:
        st.session_state.ci_flash = ("error", str(exc))
        return
    st.session_state.ci_outbox = [outbox_id, *st.session_state.get("ci_outbox", [])]


def send_now(checkin_id: int) -> None:
    queue(lambda: data.send_now(viewer, checkin_id, st.session_state.get("ci_send_to")))


def post_summary(checkin_id: int) -> None:
    queue(lambda: data.post_summary(viewer, checkin_id))


# --- which check-in ------------------------------------------------------------------------

names = {s.id: s.name + ("" if s.active else " (inactive)") for s in summaries}
choices = list(names) + ([NEW] if viewer.is_admin else [])
if not choices:
    st.info("There are no check-ins you may manage.")
    st.stop()
if st.session_state.get("ci_choice") not in choices:
    st.session_state.ci_choice = choices[0]
choice = st.selectbox(
    "Check-in",
    choices,
    format_func=lambda i: "(a new check-in)" if i == NEW else names[i],
    key="ci_choice",
)
if st.session_state.get("ci_loaded") != choice:
    load(choice)

flash = st.session_state.pop("ci_flash", None)
if flash:
    kind, message = flash
    (st.success if kind == "success" else st.error)(plain(message))

# --- the form ------------------------------------------------------------------------------

st.header("Settings")
left, right = st.columns(2)
with left:
    st.text_input("Name", key="ci_name")
    field_errors("name")
    st.multiselect("Days", list(DAYS), key="ci_days")
    field_errors("days")
    st.text_input("Time (HH:MM, each member's own time zone)", key="ci_time")
    field_errors("time")
    # --- pickers
    pickers.people_picker(
        "Participants",
        "ci_participants",
        known_people,
        rooms=known_rooms,
        on_change=participants_changed,
        help="Members by name, or a channel: everyone in it is asked. A Slack id (U0123ABCD) "
        "or #channel the bot has not seen yet can be typed in.",
    )
    field_errors("participants")
    pickers.zone_picker(
        "Report time zone (which week is 'last week')",
        "ci_timezone",
        on_change=picked_zone,
        help="Each member is asked at the time in their own zone; this zone decides the weeks.",
    )
    field_errors("timezone")
    common = common_zone(known_people, st.session_state.ci_participants)
    if common and common.zone != st.session_state.ci_timezone:
        hint, use = st.columns([3, 1], vertical_alignment="center")
        hint.caption(f"{common.members} of the {common.of} members picked live in {common.zone}.")
        use.button(f"Use {common.zone}", key="ci_use_zone", on_click=use_zone, args=(common.zone,))
    # ---
with right:
    pickers.channel_picker(
        "Report channel",
        "ci_report_channel",
        known_rooms,
        none="no report channel",
        help="Where the weekly summary is posted. A channel the bot has not seen yet can be "
        "typed in as #name or its id.",
    )
    field_errors("report_channel")
    st.selectbox(
        "Report day",
        ["", *DAYS],
        format_func=lambda d: d or "no weekly report",
        key="ci_report_day",
    )
    field_errors("report_day")
    st.text_input("Report time (HH:MM)", key="ci_report_time", placeholder="16:00")
    field_errors("report_time")
    st.number_input("Reminder after (minutes, 0: none)", step=15, key="ci_reminder")
    field_errors("reminder_minutes")
    st.checkbox("Add a random question from the pool to each run", key="ci_random")
    field_errors("random_question")
    st.radio(
        "Who sees the answers",
        list(VISIBILITY_CHOICES),
        format_func=VISIBILITY_CHOICES.get,
        key="ci_visibility",
    )
    field_errors("visibility")
    # --- pickers: leads see every answer of the check-in in the web app
    pickers.people_picker(
        "Leads (see every answer in the web app)",
        "ci_leads",
        known_people,
        help="Members by name; a Slack id (U0123ABCD) the bot has not seen yet can be typed in.",
    )
    field_errors("leads")
    st.checkbox(
        "The report channel's members are leads too (a private channel only)",
        key="ci_leads_from",
    )
    field_errors("leads_from_report_channel")
    # ---
    pickers.channel_picker(
        "Standup channel: post each member's answers there as they finish (a team check-in)",
        "ci_broadcast",
        known_rooms,
        none="no standup channel",
        help="A channel the bot has not seen yet can be typed in as #name or its id.",
    )
    field_errors("broadcast")
    st.checkbox("As replies under one message a day", key="ci_broadcast_thread")
    field_errors("broadcast_thread")
    if st.session_state.ci_kept.broadcast_note:
        st.warning(plain(st.session_state.ci_kept.broadcast_note), icon=":material/forum:")

st.header("Questions")
field_errors("question")
for index, q in enumerate(st.session_state.ci_questions):
    uid = q["uid"]
    where = f"question {index + 1}"
    with st.container(border=True):
        cols = st.columns([1, 5, 0.5, 0.5, 0.8])
        cols[0].selectbox("Kind", list(KINDS), key=f"ci_{uid}_kind")
        cols[1].text_input(f"Question {index + 1}", key=f"ci_{uid}_text")
        cols[2].button("↑", key=f"ci_{uid}_up", on_click=move, args=(index, -1), help="Move up")
        cols[3].button("↓", key=f"ci_{uid}_down", on_click=move, args=(index, 1), help="Move down")
        cols[4].button("Remove", key=f"ci_{uid}_remove", on_click=remove, args=(index,))
        field_errors(where)
        field_errors(f"{where}.text")
        field_errors(f"{where}.kind")
        kind = st.session_state[f"ci_{uid}_kind"]
        if kind == "scale":
            st.text_area("Labels for 1 to 5, one per line (empty: 1 … 5)", key=f"ci_{uid}_labels")
            field_errors(f"{where}.labels")
        elif kind == "choice":
            st.text_area("Options, one per line", key=f"ci_{uid}_options")
            field_errors(f"{where}.options")
        if q["id"] is not None:
            st.caption("Rewording keeps the answers given so far, with the wording they answered.")

add_left, add_right, save_col = st.columns([1, 1, 2])
add_left.selectbox("New question's kind", list(KINDS), key="ci_new_kind")
add_right.button("Add a question", on_click=add_question, key="ci_add")
save_col.button("Save", type="primary", on_click=save, key="ci_save")

# --- work for the bot ------------------------------------------------------------------------

if choice != NEW:
    st.header("Send and post")
    people = data.checkin_members(viewer, choice)
    who = {m: n for m, n in people}
    hb = data.heartbeat(viewer) if viewer.is_admin else None
    if viewer.is_admin and (hb is None or hb.stale):
        st.warning(
            "The bot is not running on this database: requests wait until it runs "
            "(`python -m bot`, or `make run` with Slack tokens)."
        )
    send_left, send_right = st.columns(2)
    with send_left:
        st.selectbox(
            "Send to",
            [None, *who],
            format_func=lambda m: "everyone in the check-in" if m is None else f"{who[m]} ({m})",
            key="ci_send_to",
        )
        st.button("Send now", key="ci_send", on_click=send_now, args=(choice,))
    with send_right:
        st.write("")
        st.button(
            "Post this week's summary",
            key="ci_post",
            on_click=post_summary,
            args=(choice,),
        )

    def show_requests(statuses: list) -> None:
        st.dataframe(
            [
                {
                    "request": f"#{s.id}",
                    "what": s.what,
                    "status": s.status,
                    "reason": s.error or "",
                    "queued (UTC)": s.created_at[:19].replace("T", " "),
                    "finished (UTC)": (s.finished_at or "")[:19].replace("T", " "),
                }
                for s in statuses
            ],
            hide_index=True,
        )

    asked = tuple(st.session_state.get("ci_outbox", []))
    statuses = data.outbox_status(viewer, asked) if asked else []
    if statuses:
        waiting = not all(s.finished for s in statuses)

        @st.fragment(run_every=3 if waiting else None)
        def requests() -> None:
            """Reads the status again every 3 s while a request is not done or failed."""
            st.caption("Requests from this page, newest first (the bot takes them within seconds)")
            show_requests(data.outbox_status(viewer, asked))

        requests()

    recent = data.recent_requests(viewer, choice)
    if recent:
        with st.expander("Latest requests for this check-in, from any page or the CLI"):
            show_requests(recent)

# --- TOML --------------------------------------------------------------------------------------

st.header("TOML")
export_col, import_col = st.columns(2)
with export_col:
    st.download_button(
        "Export check-ins (TOML)",
        data=data.export_toml(viewer),
        file_name="checkins.toml",
        mime="application/toml",
        key="ci_export",
    )
    st.caption("The same file as `python -m checkin checkins export`.")
if viewer.is_admin:
    with import_col:
        upload = st.file_uploader("Import check-ins (TOML)", type=["toml"], key="ci_upload")
        if upload is not None and st.button("Import", key="ci_import"):
            try:
                text = upload.getvalue().decode("utf-8")
                result = data.import_checkins(viewer, text, upload.name)
            except UnicodeDecodeError:
                st.error("That file is not UTF-8 text; save it as UTF-8 and upload it again.")
            except DefinitionError as exc:
                st.error("Nothing imported; fix these first:")
                st.code("\n".join(exc.problems), language=None)
            else:
                st.success(plain(f"{upload.name}: {result.summary()}"))
                st.session_state.ci_loaded = None
