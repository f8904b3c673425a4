"""Every read and change the web app makes, in one calling convention; pages hold no SQL.

    from dashboard import data

    ov = data.overview(viewer, scope)                 # a read: the viewer first
    saved = data.save_checkin(viewer, form)           # a change: one function each

- A read takes the viewer first, then what it is about, and returns only what
  that viewer may see (the core function it calls decides). It is cached
  briefly with `st.cache_data` (5 to 30 seconds), per database and per
  viewer, so what the bot stores shows soon. A read that must be fresh on
  every run (an outbox status, shuffled feedback results) is not cached.
- A change is one function per change, the viewer first too; it writes, then
  drops every cached read, so the next run shows it.
- Which database, and whether it can be used, is this package's business
  (`source.db_path()`): a page gets `Unavailable` with one line saying what is
  wrong, or `NotAllowed` when the viewer may not see or do something.
- Not per viewer, by design: the frame's facts about the database itself
  (`bot_status`, `is_demo`, `record_web_start`), sign-in (`identify`, which
  makes the viewer), and the feedback form (`feedback_form`,
  `submit_feedback`), opened by its link's signed token.

The functions live by feature beside this file, as `checkin/` is laid out
(answers, checkins, feedback, ops, pool, reports; scope for the sidebar and
the Overview; frame for what is above every page; signin); `source` holds
the database, the clock and the configuration.
"""

from dashboard.data.answers import (
    answer_members,
    answer_questions,
    member_history,
    question_history,
    question_wordings,
    search_answers,
)
from dashboard.data.checkins import (
    checkin_form,
    checkin_members,
    export_toml,
    import_checkins,
    known_channels,
    known_people,
    managed_checkins,
    outbox_status,
    post_summary,
    recent_requests,
    save_checkin,
    send_now,
)
from dashboard.data.feedback import (
    feedback_form,
    feedback_people,
    feedback_requests,
    feedback_results,
    feedback_subjects,
    feedback_undelivered,
    request_feedback,
    submit_feedback,
)
from dashboard.data.frame import bot_status, is_demo, record_web_start
from dashboard.data.ops import (
    answers_per_day,
    daily_events,
    deploy_trail,
    failed_report_posts,
    forget_member,
    forget_plan,
    heartbeat,
    last_backup,
    member_export,
    outbox_queue,
    privacy_members,
    public_lead_channels,
    rate_limit_waits,
    recent_backups,
    run_send_durations,
    running_bot,
    set_aside_requests,
    slack_errors,
    standup_channel_problems,
    try_again,
)
from dashboard.data.pool import (
    moderate_pool_question,
    moderates_pool,
    pool_answers,
    pool_questions,
    submit_pool_question,
)
from dashboard.data.reports import report_file, weekly_report
from dashboard.data.scope import (
    channel_choices,
    checkin_choices,
    member_choices,
    overview,
    week_options,
)
from dashboard.data.signin import identify
from dashboard.data.source import NotAllowed, Unavailable, today

__all__ = [
    # source: the database, the clock
    "NotAllowed",
    "Unavailable",
    "today",
    # frame and sign-in
    "bot_status",
    "identify",
    "is_demo",
    "record_web_start",
    # scope: the sidebar and the Overview
    "channel_choices",
    "checkin_choices",
    "member_choices",
    "overview",
    "week_options",
    # reports: the Weekly summary
    "report_file",
    "weekly_report",
    # answers
    "answer_members",
    "answer_questions",
    "member_history",
    "question_history",
    "question_wordings",
    "search_answers",
    # checkins
    "checkin_form",
    "checkin_members",
    "export_toml",
    "import_checkins",
    "known_channels",
    "known_people",
    "managed_checkins",
    "outbox_status",
    "post_summary",
    "recent_requests",
    "save_checkin",
    "send_now",
    # pool
    "moderate_pool_question",
    "moderates_pool",
    "pool_answers",
    "pool_questions",
    "submit_pool_question",
    # feedback
    "feedback_form",
    "feedback_people",
    "feedback_requests",
    "feedback_results",
    "feedback_subjects",
    "feedback_undelivered",
    "request_feedback",
    "submit_feedback",
    # ops: Operations and owning the data
    "answers_per_day",
    "daily_events",
    "deploy_trail",
    "failed_report_posts",
    "standup_channel_problems",
    "public_lead_channels",
    "forget_member",
    "forget_plan",
    "heartbeat",
    "last_backup",
    "member_export",
    "outbox_queue",
    "set_aside_requests",
    "try_again",
    "privacy_members",
    "rate_limit_waits",
    "recent_backups",
    "run_send_durations",
    "running_bot",
    "slack_errors",
]
