"""Operations: whether the bot is alive and what it did, from what it records in the database."""

import streamlit as st

from checkin.ops.charts import daily_chart
from dashboard import auth, components, data, ownership

st.title("Operations")

try:
    viewer = auth.viewer()
    hb = data.heartbeat(viewer)  # None for anyone but an admin
except data.Unavailable as exc:
    st.error(str(exc))
    st.stop()

if not viewer.is_admin:
    st.info("Operations name members and channels, so only an admin sees them.")
    st.stop()

days = st.slider("Days to show", min_value=1, max_value=90, value=14, key="ops_days")


def utc(stamp: str | None) -> str:
    return (stamp or "")[:19].replace("T", " ")


# --- the bot -------------------------------------------------------------------------------------

st.header("The bot")
if hb is None:
    st.warning(
        "No bot has run on this database yet: start it with `python -m bot` "
        "(or `make run` with Slack tokens in `.env`)."
    )
else:
    if hb.stale:
        st.error(
            f"The bot's last heartbeat is {hb.age_seconds} s old: it has stopped or hangs. "
            f"Check pid {hb.pid} on {hb.host}, then restart it with `python -m bot`."
        )
    cols = st.columns(4)
    state = "stale" if hb.stale else ("connected" if hb.connected else "not connected")
    cols[0].metric("Bot", state)
    cols[1].metric("Last seen", f"{hb.age_seconds} s ago")
    cols[2].metric("Environment", hb.env)
    cols[3].metric("Process", f"{hb.pid} on {hb.host}")
    recipients = ", ".join(hb.dev_users) if hb.dev_users else "nobody (DMs go nowhere)"
    st.text(
        f"Running since {utc(hb.started_at)} UTC, last heartbeat {utc(hb.beat_at)} UTC."
        + (f"\nDevelopment mode: DMs go only to {recipients}." if hb.env == "development" else "")
    )

# --- what it did -------------------------------------------------------------------------------

events = data.daily_events(viewer, days)
sent = [{"day": e.day, "messages": e.count} for e in events if e.kind == "message_sent"]
answers = [{"day": d.day, "answers": d.count} for d in data.answers_per_day(viewer, days)]

left, right = st.columns(2)
with left:
    if sent:
        st.altair_chart(
            daily_chart(sent, value="messages", title="Messages sent per day (UTC)"),
        )
    else:
        st.caption(f"No messages sent in the last {days} days.")
with right:
    if answers:
        st.altair_chart(
            daily_chart(answers, value="answers", title="Answers stored per day (UTC)"),
        )
    else:
        st.caption(f"No answers stored in the last {days} days.")

st.header("Slack errors")
errors = data.slack_errors(viewer, days)
if errors:
    st.dataframe(
        [
            {"method": e.method, "error": e.error, "times": e.count, "last (UTC)": utc(e.last_at)}
            for e in errors
        ],
        hide_index=True,
    )
else:
    st.caption(f"No Slack API errors in the last {days} days.")

st.header("Rate-limit waits")
waits = data.rate_limit_waits(viewer, days)
if waits:
    st.dataframe(
        [
            {
                "day": w.day,
                "method": w.method,
                "waits": w.waits,
                "seconds waited": round(w.seconds, 1),
                "longest (s)": round(w.longest, 1),
            }
            for w in waits
        ],
        hide_index=True,
    )
else:
    st.caption(f"Slack asked the bot to wait 0 times in the last {days} days.")

st.header("Sending a check-in to one member")
durations = data.run_send_durations(viewer, days)
if durations:
    st.dataframe(
        [
            {
                "day": d.day,
                "sent": d.runs,
                "median (ms)": round(d.median_ms),
                "p95 (ms)": round(d.p95_ms),
                "slowest (ms)": round(d.max_ms),
            }
            for d in durations
        ],
        hide_index=True,
    )
else:
    st.caption(f"No check-ins sent in the last {days} days.")

# --- the outbox and the weekly posts --------------------------------------------------------------

st.header("Outbox")
queue = data.outbox_queue(viewer)
cols = st.columns(4)
for col, status in zip(cols, ("pending", "running", "done", "failed"), strict=True):
    col.metric(status.capitalize(), queue.counts.get(status, 0))
if queue.rows:
    st.dataframe(
        [
            {
                "request": f"#{r.id}",
                "what": r.what,
                "status": r.status,
                "reason": r.error or "",
                "attempts": r.attempts,
                "asked by": r.requested_by or "",
                "queued (UTC)": utc(r.created_at),
                "finished (UTC)": utc(r.finished_at),
            }
            for r in queue.rows
        ],
        hide_index=True,
    )
else:
    st.caption("Nothing has been asked of the bot through the outbox yet.")

st.header("Requests set aside")
st.caption(
    "Slack requests the bot acknowledged but could not do after its tries (or that failed "
    "for a reason that cannot pass). They are kept; once the cause is fixed, try them again."
)
set_aside = data.set_aside_requests(viewer)
if set_aside:
    st.dataframe(
        [
            {
                "request": f"#{r.id}",
                "received (UTC)": utc(r.received_at),
                "set aside (UTC)": utc(r.set_aside_at),
                "whose": r.member_name or r.member_id or "",
                "kind": r.kind,
                "tries": r.attempts,
                "error": r.error or "",
                "try again asked": utc(r.try_again_asked_at) if r.try_again_asked_at else "",
            }
            for r in set_aside
        ],
        hide_index=True,
    )
    with st.form("try_again"):
        chosen = st.selectbox(
            "Request", [r.id for r in set_aside], format_func=lambda i: f"#{i}", key="retry_id"
        )
        if st.form_submit_button("Try again"):
            try:
                asked = data.try_again(viewer, int(chosen))
            except Exception:  # noqa: BLE001 - a locked database: one line, nothing changed
                st.error("Could not ask the bot to try again; please try again in a minute.")
            else:
                if asked:
                    st.success(f"Request #{chosen} will be tried again at the bot's next tick.")
                else:
                    st.info(f"Request #{chosen} is no longer set aside.")
else:
    st.caption("No request is set aside: every acknowledged request was done.")

for line in data.public_lead_channels(viewer):
    st.warning(components.plain(line), icon=":material/group_off:")
for line in data.standup_channel_problems(viewer):
    st.warning(components.plain(line), icon=":material/forum:")

st.header("Weekly summaries that failed to post")
failed = data.failed_report_posts(viewer)
if failed:
    st.dataframe(
        [
            {
                "check-in": f.checkin,
                "week": f.week,
                "channel": f.channel,
                "reason": f.error or "",
                "tried (UTC)": utc(f.claimed_at),
            }
            for f in failed
        ],
        hide_index=True,
    )
else:
    st.caption("Every weekly summary was posted.")

with st.expander("Everything the bot counted, per day"):
    if events:
        st.altair_chart(
            daily_chart(
                [{"day": e.day, "events": e.count, "kind": e.kind} for e in events],
                value="events",
                colour="kind",
                title="Events per day (UTC)",
            ),
        )
        st.dataframe(
            [{"day": e.day, "kind": e.kind, "count": e.count} for e in events], hide_index=True
        )
    else:
        st.caption(f"No events in the last {days} days.")

# --- owning the data: backups, what ran when, a member's export and erasure ----------------------

ownership.show_backups(viewer)
ownership.show_deploys(viewer)
ownership.show_member_data(viewer)
