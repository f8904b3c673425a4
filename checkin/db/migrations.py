"""Numbered schema migrations. Append; never edit one that has shipped.

Each migration runs once, inside one transaction, and is recorded in
`schema_migrations`. Times are UTC ISO-8601 strings ending in `Z`; local dates
are `YYYY-MM-DD`; lists are JSON arrays.
"""

from __future__ import annotations

MIGRATIONS: list[tuple[int, str, str]] = [
    (
        1,
        "members, check-ins, questions, runs and answers",
        """
CREATE TABLE members (
    slack_id      TEXT PRIMARY KEY,            -- U0123ABCD
    name          TEXT NOT NULL DEFAULT '',    -- display name
    real_name     TEXT NOT NULL DEFAULT '',
    tz            TEXT NOT NULL DEFAULT 'UTC', -- IANA zone from Slack's profile
    is_bot        INTEGER NOT NULL DEFAULT 0,
    is_admin      INTEGER NOT NULL DEFAULT 0,  -- may run `/checkin send`
    active        INTEGER NOT NULL DEFAULT 1,  -- 0: deactivated or DM closed
    inactive_reason TEXT,                      -- why active is 0 (user_disabled, ...)
    paused_until  TEXT,                        -- local date; not asked up to and including it
    refreshed_at  TEXT,                        -- last users.info
    created_at    TEXT NOT NULL
);

CREATE TABLE checkins (
    id            INTEGER PRIMARY KEY,
    name          TEXT NOT NULL UNIQUE,
    days          TEXT NOT NULL,               -- JSON ["mon","wed","fri"]
    time          TEXT NOT NULL,               -- HH:MM in each member's own zone
    participants  TEXT NOT NULL,               -- JSON ["U0123ABCD", "#team"]
    timezone      TEXT NOT NULL DEFAULT 'UTC', -- reporting zone: weeks and report time
    report_channel TEXT,
    report_day    TEXT,
    report_time   TEXT,
    random_question INTEGER NOT NULL DEFAULT 0,
    reminder_minutes INTEGER NOT NULL DEFAULT 120,
    window_hours  INTEGER,                     -- NULL: until the end of the member's local day
    name_missing  INTEGER NOT NULL DEFAULT 0,  -- report names who has not answered
    active        INTEGER NOT NULL DEFAULT 1,
    created_at    TEXT NOT NULL,
    updated_at    TEXT NOT NULL
);

-- A question row is one wording: editing the text bumps `version` and keeps
-- the old wording in question_versions; answers also snapshot the text asked.
CREATE TABLE questions (
    id            INTEGER PRIMARY KEY,
    checkin_id    INTEGER NOT NULL REFERENCES checkins(id),
    position      INTEGER NOT NULL,
    text          TEXT NOT NULL,
    kind          TEXT NOT NULL CHECK (kind IN ('text','choice','scale','number')),
    labels        TEXT,                        -- JSON, scale: 5 labels for 1..5
    options       TEXT,                        -- JSON, choice: the options
    version       INTEGER NOT NULL DEFAULT 1,
    active        INTEGER NOT NULL DEFAULT 1,  -- 0: removed from the check-in, kept for history
    pool_question_id INTEGER,                  -- set when drawn from the question pool
    created_at    TEXT NOT NULL
);
CREATE INDEX questions_by_checkin ON questions(checkin_id, active, position);

CREATE TABLE question_versions (
    question_id   INTEGER NOT NULL REFERENCES questions(id),
    version       INTEGER NOT NULL,
    text          TEXT NOT NULL,
    replaced_at   TEXT NOT NULL,
    PRIMARY KEY (question_id, version)
);

-- One run: one member asked one check-in on one local date.
CREATE TABLE runs (
    id            INTEGER PRIMARY KEY,
    checkin_id    INTEGER NOT NULL REFERENCES checkins(id),
    member_id     TEXT NOT NULL REFERENCES members(slack_id),
    local_date    TEXT NOT NULL,               -- the member's own date
    week          TEXT NOT NULL,               -- ISO week of local_date, 2026-W48
    due_at        TEXT NOT NULL,               -- UTC instant of the member's local time
    closes_at     TEXT NOT NULL,               -- end of the member's window
    status        TEXT NOT NULL DEFAULT 'due'
                  CHECK (status IN ('due','sending','open','answered','skipped','closed','failed','dev_skipped')),
    question_ids  TEXT NOT NULL DEFAULT '[]',  -- JSON, the questions of this run, in order
    channel_id    TEXT,                        -- the DM
    message_ts    TEXT,                        -- greeting / first question
    sent_at       TEXT,
    reminded_at   TEXT,
    snoozed_until TEXT,
    completed_at  TEXT,
    error         TEXT,
    created_at    TEXT NOT NULL,
    UNIQUE (checkin_id, member_id, local_date)
);
CREATE INDEX runs_by_week ON runs(checkin_id, week);
CREATE INDEX runs_by_member ON runs(member_id, local_date);
CREATE INDEX runs_by_status ON runs(status, closes_at);

-- One answer per (run, question). Never deleted: an edit moves the earlier
-- value to answer_history and keeps its own timestamp there.
CREATE TABLE answers (
    id            INTEGER PRIMARY KEY,
    run_id        INTEGER NOT NULL REFERENCES runs(id),
    question_id   INTEGER NOT NULL REFERENCES questions(id),
    checkin_id    INTEGER NOT NULL REFERENCES checkins(id),
    member_id     TEXT NOT NULL REFERENCES members(slack_id),
    week          TEXT NOT NULL,
    local_date    TEXT NOT NULL,
    question_text TEXT NOT NULL,               -- the wording the member saw
    text          TEXT,                        -- the answer as given (scale/choice: its label)
    number        REAL,                        -- scale 1..5 or number answers
    skipped       INTEGER NOT NULL DEFAULT 0,
    late          INTEGER NOT NULL DEFAULT 0,  -- after the run closed
    answered_at   TEXT NOT NULL,
    edited_at     TEXT,
    source        TEXT NOT NULL DEFAULT 'slack',
    UNIQUE (run_id, question_id)
);
CREATE INDEX answers_by_week ON answers(checkin_id, week, question_id);
CREATE INDEX answers_by_member ON answers(member_id, answered_at);

CREATE TABLE answer_history (
    id            INTEGER PRIMARY KEY,
    answer_id     INTEGER NOT NULL REFERENCES answers(id),
    text          TEXT,
    number        REAL,
    skipped       INTEGER NOT NULL DEFAULT 0,
    answered_at   TEXT NOT NULL,               -- when that earlier value was given
    replaced_at   TEXT NOT NULL
);
CREATE INDEX answer_history_by_answer ON answer_history(answer_id);

CREATE TABLE meta (
    key           TEXT PRIMARY KEY,
    value         TEXT NOT NULL
);
""",
    ),
    (
        2,
        "question pool, peer feedback, outbox, events, heartbeat, de-duplication, report posts",
        """
CREATE TABLE pool_questions (
    id            INTEGER PRIMARY KEY,
    text          TEXT NOT NULL,
    kind          TEXT NOT NULL DEFAULT 'text' CHECK (kind IN ('text','choice','scale','number')),
    labels        TEXT,
    options       TEXT,
    submitted_by  TEXT,                        -- Slack id or dashboard user
    status        TEXT NOT NULL DEFAULT 'pending' CHECK (status IN ('pending','approved','rejected')),
    reviewed_by   TEXT,
    reviewed_at   TEXT,
    times_asked   INTEGER NOT NULL DEFAULT 0,
    last_asked_at TEXT,
    created_at    TEXT NOT NULL
);
CREATE INDEX pool_by_status ON pool_questions(status, times_asked);

CREATE TABLE feedback_requests (
    id            INTEGER PRIMARY KEY,
    subject_id    TEXT NOT NULL REFERENCES members(slack_id), -- whom the feedback is about
    requested_by  TEXT NOT NULL,
    questions     TEXT NOT NULL,               -- JSON [{"text", "kind", ...}]
    min_responses INTEGER NOT NULL DEFAULT 3,
    status        TEXT NOT NULL DEFAULT 'open' CHECK (status IN ('open','closed')),
    closes_on     TEXT,                        -- local date
    created_at    TEXT NOT NULL
);

-- Who was asked, and whether they have answered: never what they answered.
CREATE TABLE feedback_invites (
    id            INTEGER PRIMARY KEY,
    request_id    INTEGER NOT NULL REFERENCES feedback_requests(id),
    member_id     TEXT NOT NULL REFERENCES members(slack_id),
    sent_at       TEXT,
    responded     INTEGER NOT NULL DEFAULT 0,  -- no time: it would link to a response
    UNIQUE (request_id, member_id)
);

-- Anonymous by construction: no author column, and only the date.
CREATE TABLE feedback_responses (
    id            INTEGER PRIMARY KEY,
    request_id    INTEGER NOT NULL REFERENCES feedback_requests(id),
    answers       TEXT NOT NULL,               -- JSON, one entry per question
    submitted_on  TEXT NOT NULL
);

-- Work the web app or the CLI asks the bot to do in Slack.
CREATE TABLE outbox (
    id            INTEGER PRIMARY KEY,
    kind          TEXT NOT NULL,               -- send_checkin | post_report | feedback_invites
    payload       TEXT NOT NULL DEFAULT '{}',  -- JSON
    status        TEXT NOT NULL DEFAULT 'pending' CHECK (status IN ('pending','running','done','failed')),
    requested_by  TEXT,
    attempts      INTEGER NOT NULL DEFAULT 0,
    error         TEXT,
    created_at    TEXT NOT NULL,
    started_at    TEXT,
    finished_at   TEXT
);
CREATE INDEX outbox_by_status ON outbox(status, id);

-- Everything the bot does, counted: the dashboard charts these.
CREATE TABLE events (
    id            INTEGER PRIMARY KEY,
    at            TEXT NOT NULL,
    kind          TEXT NOT NULL,               -- message_sent, api_error, rate_limited, run_sent, answer_stored, dm_skipped, ...
    method        TEXT,                        -- Slack API method
    error         TEXT,
    checkin_id    INTEGER,
    member_id     TEXT,
    duration_ms   REAL,
    detail        TEXT
);
CREATE INDEX events_by_kind ON events(kind, at);

-- The one running bot; a second one reads this and refuses to start.
CREATE TABLE heartbeat (
    id            INTEGER PRIMARY KEY CHECK (id = 1),
    pid           INTEGER NOT NULL,
    host          TEXT NOT NULL,
    env           TEXT NOT NULL,
    dev_users     TEXT NOT NULL DEFAULT '[]',
    started_at    TEXT NOT NULL,
    beat_at       TEXT NOT NULL,
    connected     INTEGER NOT NULL DEFAULT 0,
    detail        TEXT
);

CREATE TABLE seen_events (
    event_id      TEXT PRIMARY KEY,            -- Slack event_id, or an action's own key
    seen_at       TEXT NOT NULL
);

CREATE TABLE report_posts (
    checkin_id    INTEGER NOT NULL REFERENCES checkins(id),
    week          TEXT NOT NULL,
    channel       TEXT NOT NULL,
    status        TEXT NOT NULL DEFAULT 'posting' CHECK (status IN ('posting','posted','failed')),
    message_ts    TEXT,
    posted_at     TEXT,
    error         TEXT,
    PRIMARY KEY (checkin_id, week)
);
""",
    ),
    (
        3,
        "inbox: every acknowledged Slack request, kept until its work is done",
        """
-- Written on the ack path before the ack goes out; the work after the ack marks
-- it done. Rows left not done by a crash are done again, in order, at start.
CREATE TABLE inbox (
    id            INTEGER PRIMARY KEY,
    received_at   TEXT NOT NULL,
    kind          TEXT NOT NULL,               -- the work: on_answer_click, on_message, command, ...
    member_id     TEXT,                        -- whose work: done in order per member
    event_id      TEXT UNIQUE,                 -- events_api event_id: a redelivery is not kept twice
    payload       TEXT NOT NULL,               -- JSON, the request's body
    done_at       TEXT
);
CREATE INDEX inbox_by_done ON inbox(done_at, id);
""",
    ),
    (
        4,
        "report_posts: who claimed a week's post and when, so only a stale claim is taken over",
        """
-- claimed_by: pid@host of the bot posting it; claimed_at: UTC. A 'posting'
-- claim older than 5 minutes is taken to be abandoned and may be taken over.
ALTER TABLE report_posts ADD COLUMN claimed_by TEXT;
ALTER TABLE report_posts ADD COLUMN claimed_at TEXT;
""",
    ),
    (
        5,
        "runs: the question shown now, the only one a typed message answers",
        """
-- Set when a question of the run is posted (a follow-up, a reminder, after a
-- snooze); NULL for runs sent before this column existed.
ALTER TABLE runs ADD COLUMN asked_question_id INTEGER;
""",
    ),
    (
        6,
        "runs remember their first answers, so weekly figures need no per-run lookups",
        """
-- first_answer_at: the run's first answer of any kind (a skip included);
-- answered_at: its first answer that is not a skip. Kept by store.record_answer.
ALTER TABLE runs ADD COLUMN first_answer_at TEXT;
ALTER TABLE runs ADD COLUMN answered_at TEXT;
UPDATE runs SET
    first_answer_at = (SELECT MIN(a.answered_at) FROM answers a WHERE a.run_id = runs.id),
    answered_at = (SELECT MIN(a.answered_at) FROM answers a
                   WHERE a.run_id = runs.id AND a.skipped = 0);
DROP INDEX runs_by_week;
CREATE INDEX runs_outcomes ON runs(checkin_id, week, status, answered_at, first_answer_at);
DROP INDEX answers_by_week;
CREATE INDEX answers_by_week ON answers(checkin_id, week, question_id, skipped, number);
""",
    ),
    (
        7,
        "full-text search over text answers (FTS5, kept in sync by triggers)",
        """
-- An external-content index: it stores only the words, answers keeps the text.
-- Only answers to text questions are indexed (a question's kind never changes:
-- a new kind is a new question). member_id and checkin_id are indexed as one
-- word each, so a search within a member's answers or a check-in is an index
-- intersection. The triggers keep it in step with every insert, edit and
-- delete. Each trigger body stays on one line because migrations are split at
-- a semicolon ending a line.
CREATE VIRTUAL TABLE answers_fts USING fts5(
    text, member_id, checkin_id, content = 'answers', content_rowid = 'id',
    tokenize = 'porter unicode61 remove_diacritics 2'
);
CREATE TRIGGER answers_fts_after_insert AFTER INSERT ON answers
WHEN new.text IS NOT NULL AND (SELECT kind FROM questions WHERE id = new.question_id) = 'text'
BEGIN INSERT INTO answers_fts (rowid, text, member_id, checkin_id) VALUES (new.id, new.text, new.member_id, new.checkin_id); END;
CREATE TRIGGER answers_fts_after_delete AFTER DELETE ON answers
WHEN old.text IS NOT NULL AND (SELECT kind FROM questions WHERE id = old.question_id) = 'text'
BEGIN INSERT INTO answers_fts (answers_fts, rowid, text, member_id, checkin_id) VALUES ('delete', old.id, old.text, old.member_id, old.checkin_id); END;
CREATE TRIGGER answers_fts_after_update AFTER UPDATE OF text ON answers
WHEN (SELECT kind FROM questions WHERE id = new.question_id) = 'text'
BEGIN INSERT INTO answers_fts (answers_fts, rowid, text, member_id, checkin_id) SELECT 'delete', old.id, old.text, old.member_id, old.checkin_id WHERE old.text IS NOT NULL; INSERT INTO answers_fts (rowid, text, member_id, checkin_id) SELECT new.id, new.text, new.member_id, new.checkin_id WHERE new.text IS NOT NULL; END;
INSERT INTO answers_fts (rowid, text, member_id, checkin_id)
SELECT a.id, a.text, a.member_id, a.checkin_id FROM answers a
JOIN questions q ON q.id = a.question_id
WHERE q.kind = 'text' AND a.text IS NOT NULL;
INSERT INTO answers_fts (answers_fts) VALUES ('optimize');
""",
    ),
    (
        8,
        "runs owe their next message until it is posted; a send knows its owner; "
        "the heartbeat names its instance and a clean stop",
        """
-- post_owed: 'wake' once a snooze ended and its question is not posted yet
-- (a follow-up question or the recap is owed whenever the shown question is
-- answered). post_unsure: a try may have reached Slack (a 5xx, a timeout, a
-- reset): the DM is looked at before posting again. post_attempts and
-- post_after (UTC): the tries so far and the earliest next one.
ALTER TABLE runs ADD COLUMN post_owed TEXT;
ALTER TABLE runs ADD COLUMN post_unsure INTEGER NOT NULL DEFAULT 0;
ALTER TABLE runs ADD COLUMN post_attempts INTEGER NOT NULL DEFAULT 0;
ALTER TABLE runs ADD COLUMN post_after TEXT;
-- recap_ts: the recap message, once posted (runs answered before: their completion).
ALTER TABLE runs ADD COLUMN recap_ts TEXT;
UPDATE runs SET recap_ts = COALESCE(completed_at, created_at) WHERE status = 'answered';
-- sending_by: the bot instance that claimed the send ('sending'); only a send
-- whose instance is gone is looked up in the DM and set back.
ALTER TABLE runs ADD COLUMN sending_by TEXT;
-- instance: a random id per bot start (pids repeat in containers);
-- stopped_at: set by a clean stop, so "not running" is told apart from "never ran".
ALTER TABLE heartbeat ADD COLUMN instance TEXT;
ALTER TABLE heartbeat ADD COLUMN stopped_at TEXT;
CREATE INDEX events_by_time ON events(at);
""",
    ),
    (
        9,
        "deploy trail, backups taken, retention per check-in, erased answers",
        """
-- One row per start of the bot or the web app: what ran, where, from when.
CREATE TABLE deploys (
    id            INTEGER PRIMARY KEY,
    process       TEXT NOT NULL CHECK (process IN ('bot','web')),
    version       TEXT NOT NULL,               -- checkin's package version
    git_commit    TEXT,                        -- the checkout's commit; NULL when not run from git
    env           TEXT NOT NULL,               -- production | development
    host          TEXT NOT NULL,
    pid           INTEGER NOT NULL,
    started_at    TEXT NOT NULL
);
CREATE INDEX deploys_by_start ON deploys(started_at);

-- One row per backup written and checked (CLI or the bot's daily job).
CREATE TABLE backups (
    id            INTEGER PRIMARY KEY,
    path          TEXT NOT NULL,
    bytes         INTEGER NOT NULL,
    schema_version INTEGER NOT NULL,
    taken_at      TEXT NOT NULL,
    taken_by      TEXT NOT NULL,               -- cli | bot
    with_secret   INTEGER NOT NULL DEFAULT 0
);
CREATE INDEX backups_by_time ON backups(taken_at);

-- Answers older than this many weeks are deleted by the bot's daily job;
-- NULL: the workspace default (CHECKIN_RETENTION_WEEKS, unset: kept forever).
ALTER TABLE checkins ADD COLUMN retention_weeks INTEGER;

-- Set when `member forget` erased the answer's value; the row stays so past
-- weeks keep their counts.
ALTER TABLE answers ADD COLUMN erased_at TEXT;
""",
    ),
    (
        10,
        "question pool: where, anonymous, moderation messages, who was asked when; "
        "feedback: one-time link tokens, declines, reminders, responses with random ids",
        """
-- Pool. `submitted_by` is NULL for an anonymous submission (never stored);
-- `source` says where it came from: slack_command | slack_home | web | demo.
ALTER TABLE pool_questions ADD COLUMN source TEXT NOT NULL DEFAULT 'web';
ALTER TABLE pool_questions ADD COLUMN anonymous INTEGER NOT NULL DEFAULT 0;
ALTER TABLE pool_questions ADD COLUMN normalized TEXT NOT NULL DEFAULT '';
ALTER TABLE pool_questions ADD COLUMN original_text TEXT;   -- the wording before an admin's edit
ALTER TABLE pool_questions ADD COLUMN moderation_sent_at TEXT; -- admins were DMed the submission
ALTER TABLE pool_questions ADD COLUMN outcome_told_at TEXT;    -- the submitter was DMed the outcome
UPDATE pool_questions SET moderation_sent_at = created_at,
    outcome_told_at = reviewed_at;                             -- nothing to DM about older rows

-- The one moderation DM each admin got for a submission, updated in place
-- once anyone has moderated it.
CREATE TABLE pool_moderation_messages (
    pool_question_id INTEGER NOT NULL REFERENCES pool_questions(id),
    admin_id      TEXT NOT NULL,
    channel_id    TEXT NOT NULL,
    message_ts    TEXT NOT NULL,
    updated       INTEGER NOT NULL DEFAULT 0,   -- 1: shows the outcome
    PRIMARY KEY (pool_question_id, admin_id)
);

-- Which pool question a member was asked in which run: the 8-week rule, and
-- a second draw for the same run returns the same question.
CREATE TABLE pool_asks (
    checkin_id    INTEGER NOT NULL REFERENCES checkins(id),
    member_id     TEXT NOT NULL,
    local_date    TEXT NOT NULL,
    pool_question_id INTEGER NOT NULL REFERENCES pool_questions(id),
    question_id   INTEGER NOT NULL REFERENCES questions(id),
    PRIMARY KEY (checkin_id, member_id, local_date)
);
CREATE INDEX pool_asks_by_member ON pool_asks(member_id, pool_question_id, local_date);

-- Feedback requests: whether the subject is told too, and when results were announced.
ALTER TABLE feedback_requests ADD COLUMN notify_subject INTEGER NOT NULL DEFAULT 0;
ALTER TABLE feedback_requests ADD COLUMN results_told_at TEXT;

-- Invites: the link's hash only (never the link), when it expires, whether and
-- on which DATE it was answered (no finer time), a decline, the reminder.
ALTER TABLE feedback_invites ADD COLUMN token_hash TEXT;
ALTER TABLE feedback_invites ADD COLUMN expires_at TEXT;
ALTER TABLE feedback_invites ADD COLUMN answered_on TEXT;   -- local date; set with responded = 1
ALTER TABLE feedback_invites ADD COLUMN declined_at TEXT;
ALTER TABLE feedback_invites ADD COLUMN reminded_at TEXT;
ALTER TABLE feedback_invites ADD COLUMN channel_id TEXT;
ALTER TABLE feedback_invites ADD COLUMN message_ts TEXT;
CREATE UNIQUE INDEX feedback_invites_by_token ON feedback_invites(token_hash);

-- Responses: no reviewer, no invite, no token, only the date, and a random id
-- in a table without rowid, so neither a column nor the order of rows tells
-- who wrote which (rows are kept in the order of their random ids).
CREATE TABLE feedback_responses_anonymous (
    id            TEXT PRIMARY KEY,            -- 32 random hex digits
    request_id    INTEGER NOT NULL REFERENCES feedback_requests(id),
    answers       TEXT NOT NULL,               -- JSON, one entry per question
    submitted_on  TEXT NOT NULL                -- date only
) WITHOUT ROWID;
INSERT INTO feedback_responses_anonymous (id, request_id, answers, submitted_on)
    SELECT lower(hex(randomblob(16))), request_id, answers, substr(submitted_on, 1, 10)
    FROM feedback_responses;
DROP TABLE feedback_responses;
ALTER TABLE feedback_responses_anonymous RENAME TO feedback_responses;
CREATE INDEX feedback_responses_by_request ON feedback_responses(request_id);
""",
    ),
    (
        11,
        "runs_outcomes covers every column the weekly figures read, so no run row is looked up",
        """
-- The web app's Overview (checkin/views.py) and the weekly report read who was
-- asked, when it was sent and first answered, straight from this index.
DROP INDEX runs_outcomes;
CREATE INDEX runs_outcomes ON runs(checkin_id, week, status, answered_at, first_answer_at,
                                   member_id, sent_at, due_at, closes_at);
""",
    ),
    (
        12,
        "sign-in and roles: check-in leads, report channel members, member emails",
        """
-- leads: JSON ["U0123ABCD"], who see every answer of the check-in in the web app.
-- leads_from_report_channel: 1 = every member of report_channel is a lead too.
ALTER TABLE checkins ADD COLUMN leads TEXT NOT NULL DEFAULT '[]';
ALTER TABLE checkins ADD COLUMN leads_from_report_channel INTEGER NOT NULL DEFAULT 0;
-- From users.info (scope users:read.email): a sign-in through another OpenID
-- Connect provider (Google, Okta, Keycloak) finds the member by this address.
ALTER TABLE members ADD COLUMN email TEXT;
CREATE INDEX members_by_email ON members(email COLLATE NOCASE);
-- The members of a check-in's report channel as the bot last read them
-- (conversations.members), for leads_from_report_channel.
CREATE TABLE report_channel_members (
    checkin_id    INTEGER NOT NULL REFERENCES checkins(id),
    member_id     TEXT NOT NULL,
    seen_at       TEXT NOT NULL,
    PRIMARY KEY (checkin_id, member_id)
);
CREATE INDEX report_channel_members_by_member ON report_channel_members(member_id);
""",
    ),
    (
        13,
        "feedback invites retried after a Slack failure, refused ones with their reason; "
        "pool moderation DMs remember the wording they show",
        """
-- Invites: a DM that failed for a reason that may pass (5xx, timeout, 429 beyond
-- the client's budget) is tried again at retry_at, with backoff; one that never
-- can be sent (deactivated reviewer, development-mode skip) keeps its reason in
-- refused. posting_at: a post was made whose outcome is unknown (5xx, timeout):
-- the DM's history is read before posting again, so no invite is sent twice.
ALTER TABLE feedback_invites ADD COLUMN attempts INTEGER NOT NULL DEFAULT 0;
ALTER TABLE feedback_invites ADD COLUMN retry_at TEXT;
ALTER TABLE feedback_invites ADD COLUMN last_error TEXT;
ALTER TABLE feedback_invites ADD COLUMN refused TEXT;
ALTER TABLE feedback_invites ADD COLUMN posting_at TEXT;
-- Invites never sent before this (their outbox row failed, nothing queued for
-- them): tried again at once, while their link has not expired.
UPDATE feedback_invites SET retry_at = strftime('%Y-%m-%dT%H:%M:%fZ', 'now')
    WHERE sent_at IS NULL AND declined_at IS NULL AND answered_on IS NULL
    AND NOT EXISTS (SELECT 1 FROM outbox o WHERE o.kind = 'feedback_invites'
                    AND o.status IN ('pending', 'running')
                    AND json_extract(o.payload, '$.request_id') = feedback_invites.request_id);

-- The wording an admin's moderation DM shows: a question reworded on the web
-- while pending gets its DMs updated (chat.update) to the new wording.
ALTER TABLE pool_moderation_messages ADD COLUMN shown_text TEXT;
UPDATE pool_moderation_messages SET shown_text = (
    SELECT q.text FROM pool_questions q WHERE q.id = pool_moderation_messages.pool_question_id
);
""",
    ),
    (
        14,
        "derived answer times and time zone on runs, the option picked on answers, for the Overview",
        """
-- Kept by triggers from the columns they derive from, so every writer keeps
-- them in step without knowing of them; the web app's Overview
-- (checkin/views.py) reads them from small covering indexes instead of
-- computing them, or joining members, for every row.
-- answer_minutes: minutes from sending (or the due time) to the run's first
-- answer that is not a skip; answered_quarter: that answer's UTC quarter hour,
-- counted in Julian days x 96. Both NULL while the run has no such answer.
-- member_tz: the member's time zone now (members.tz), NULL without a member row.
ALTER TABLE runs ADD COLUMN answer_minutes REAL;
ALTER TABLE runs ADD COLUMN answered_quarter INTEGER;
ALTER TABLE runs ADD COLUMN member_tz TEXT;
UPDATE runs SET
    answer_minutes = (julianday(answered_at) - julianday(COALESCE(sent_at, due_at))) * 1440.0,
    answered_quarter = CAST(julianday(answered_at) * 96 + 1e-6 AS INTEGER)
    WHERE answered_at IS NOT NULL;
UPDATE runs SET member_tz = (SELECT tz FROM members WHERE slack_id = runs.member_id);
CREATE TRIGGER runs_derived_after_insert AFTER INSERT ON runs
BEGIN UPDATE runs SET answer_minutes = (julianday(new.answered_at) - julianday(COALESCE(new.sent_at, new.due_at))) * 1440.0, answered_quarter = CAST(julianday(new.answered_at) * 96 + 1e-6 AS INTEGER), member_tz = (SELECT tz FROM members WHERE slack_id = new.member_id) WHERE id = new.id; END;
CREATE TRIGGER runs_answer_times_after_update AFTER UPDATE OF answered_at, sent_at, due_at ON runs
BEGIN UPDATE runs SET answer_minutes = (julianday(new.answered_at) - julianday(COALESCE(new.sent_at, new.due_at))) * 1440.0, answered_quarter = CAST(julianday(new.answered_at) * 96 + 1e-6 AS INTEGER) WHERE id = new.id; END;
CREATE TRIGGER runs_member_tz_after_update AFTER UPDATE OF member_id ON runs
BEGIN UPDATE runs SET member_tz = (SELECT tz FROM members WHERE slack_id = new.member_id) WHERE id = new.id; END;
CREATE TRIGGER members_tz_after_insert AFTER INSERT ON members
BEGIN UPDATE runs SET member_tz = new.tz WHERE member_id = new.slack_id; END;
CREATE TRIGGER members_tz_after_update AFTER UPDATE OF tz, slack_id ON members
WHEN old.tz IS NOT new.tz OR old.slack_id IS NOT new.slack_id
BEGIN UPDATE runs SET member_tz = NULL WHERE member_id = old.slack_id; UPDATE runs SET member_tz = new.tz WHERE member_id = new.slack_id; END;
CREATE TRIGGER members_tz_after_delete AFTER DELETE ON members
BEGIN UPDATE runs SET member_tz = NULL WHERE member_id = old.slack_id; END;
-- The weekly participation and the median time to answer read the first (its
-- answer_minutes is NULL for a run not answered); the weekday x hour heatmap
-- reads the second, answered runs only, in the order it groups by (nothing sorted).
CREATE INDEX runs_answer_minutes ON runs(checkin_id, week, status, answer_minutes,
                                         first_answer_at, member_id);
CREATE INDEX runs_answer_hours ON runs(checkin_id, week, member_tz, answered_quarter, status,
                                       member_id) WHERE answered_quarter IS NOT NULL;
-- choice: the answer's text when its question is a choice question, else NULL.
ALTER TABLE answers ADD COLUMN choice TEXT;
UPDATE answers SET choice = text
    WHERE question_id IN (SELECT id FROM questions WHERE kind = 'choice');
CREATE TRIGGER answers_choice_after_insert AFTER INSERT ON answers
WHEN new.text IS NOT NULL AND (SELECT kind FROM questions WHERE id = new.question_id) = 'choice'
BEGIN UPDATE answers SET choice = new.text WHERE id = new.id; END;
CREATE TRIGGER answers_choice_after_update AFTER UPDATE OF text, question_id ON answers
BEGIN UPDATE answers SET choice = CASE WHEN (SELECT kind FROM questions WHERE id = new.question_id) = 'choice' THEN new.text END WHERE id = new.id; END;
CREATE TRIGGER questions_kind_after_update AFTER UPDATE OF kind ON questions
BEGIN UPDATE answers SET choice = CASE WHEN new.kind = 'choice' THEN text END WHERE question_id = new.id; END;
CREATE INDEX answers_choices ON answers(checkin_id, week, question_id, skipped, choice,
                                     member_id) WHERE choice IS NOT NULL;
-- The scale and number figures a member sees count the people in each group:
-- answers_by_week covers their member ids too, so no answer row is looked up.
DROP INDEX answers_by_week;
CREATE INDEX answers_by_week ON answers(checkin_id, week, question_id, skipped, number,
                                        member_id);
""",
    ),
    (
        15,
        "check-in visibility: private (members see their own answers) or team (everyone asked sees all)",
        """
-- visibility: 'private' = a member sees their own answers and team figures
-- with small groups held back; leads and admins see every answer by name.
-- 'team' = everyone asked in the check-in sees every answer by name.
ALTER TABLE checkins ADD COLUMN visibility TEXT NOT NULL DEFAULT 'private'
    CHECK (visibility IN ('private', 'team'));
""",
    ),
    (
        16,
        "inbox and outbox: retried after a passing fault, set aside with their error after that",
        """
-- A kept request whose work failed for a passing reason (database locked,
-- disk full, Slack 5xx or 429) is tried again; after a bounded number of
-- tries, or a failure that cannot pass, it is set aside with its error until
-- an admin asks for it to be tried again (try_again_at, from the web app).
ALTER TABLE inbox ADD COLUMN attempts INTEGER NOT NULL DEFAULT 0;
ALTER TABLE inbox ADD COLUMN error TEXT;
ALTER TABLE inbox ADD COLUMN set_aside_at TEXT;
ALTER TABLE inbox ADD COLUMN try_again_at TEXT;
ALTER TABLE inbox ADD COLUMN try_again_by TEXT;
-- An outbox row whose handler failed for a passing reason waits until retry_at.
ALTER TABLE outbox ADD COLUMN retry_at TEXT;
""",
    ),
    (
        17,
        "feedback anonymous against whoever holds the files: random one-time links with a "
        "separate table of spent ones, responses with no time, results laid down once at close, "
        "at least 3 reviewers who are neither the subject nor the requester",
        """
-- The three tables are rebuilt: the requests first, while invites and
-- responses wait in plain holding tables (no keys), then these two anew.

-- Requests: a minimum of at least 3 answers, by the schema itself; closing
-- lays down how many answered and the results, once (NULL below the minimum).
CREATE TABLE feedback_requests_new (
    id            INTEGER PRIMARY KEY,
    subject_id    TEXT NOT NULL REFERENCES members(slack_id), -- whom the feedback is about
    requested_by  TEXT NOT NULL,
    questions     TEXT NOT NULL,               -- JSON [{"key", "text", "kind", ...}]
    min_responses INTEGER NOT NULL DEFAULT 3 CHECK (min_responses >= 3),
    status        TEXT NOT NULL DEFAULT 'open' CHECK (status IN ('open','closed')),
    closes_on     TEXT,                        -- local date
    created_at    TEXT NOT NULL,
    notify_subject INTEGER NOT NULL DEFAULT 0,
    results_told_at TEXT,                      -- the requester (and subject) were DMed the close
    closed_at     TEXT,
    answered      INTEGER,                     -- how many answered, laid down at close
    results       TEXT                         -- JSON computed once at close; NULL below the minimum
);
INSERT INTO feedback_requests_new (id, subject_id, requested_by, questions, min_responses,
    status, closes_on, created_at, notify_subject, results_told_at)
    SELECT id, subject_id, requested_by, questions, MAX(min_responses, 3), 'open', closes_on,
    created_at, notify_subject, results_told_at FROM feedback_requests;

CREATE TABLE feedback_invites_hold AS SELECT id, request_id, member_id, sent_at,
    CASE WHEN answered_on IS NULL THEN token_hash END AS token_hash, expires_at, declined_at,
    reminded_at, channel_id, message_ts, attempts, retry_at, last_error, refused, posting_at
    FROM feedback_invites ORDER BY id;
CREATE TABLE feedback_responses_hold AS SELECT lower(hex(randomblob(16))) AS id, request_id,
    answers FROM feedback_responses ORDER BY random();
DROP TABLE feedback_responses;
DROP TABLE feedback_invites;
DROP TABLE feedback_requests;
ALTER TABLE feedback_requests_new RENAME TO feedback_requests;

-- Invites: who was asked, never whether they answered. Storing a response
-- writes nothing here. token_hash is sha256("invite:" + the link's token);
-- an invite answered before this version keeps no hash (its link is spent).
CREATE TABLE feedback_invites (
    id            INTEGER PRIMARY KEY,
    request_id    INTEGER NOT NULL REFERENCES feedback_requests(id),
    member_id     TEXT NOT NULL REFERENCES members(slack_id),
    sent_at       TEXT,
    token_hash    TEXT,
    expires_at    TEXT,
    declined_at   TEXT,                        -- the reviewer's own choice
    reminded_at   TEXT,
    channel_id    TEXT,
    message_ts    TEXT,
    attempts      INTEGER NOT NULL DEFAULT 0,
    retry_at      TEXT,
    last_error    TEXT,
    refused       TEXT,
    posting_at    TEXT,
    UNIQUE (request_id, member_id)
);
INSERT INTO feedback_invites SELECT * FROM feedback_invites_hold ORDER BY id;

-- Responses: a random id, the request, the answers; no reviewer, no invite,
-- no time. Laid down again in random order when their request closes.
CREATE TABLE feedback_responses (
    id            TEXT PRIMARY KEY,            -- 32 random hex digits
    request_id    INTEGER NOT NULL REFERENCES feedback_requests(id),
    answers       TEXT NOT NULL                -- JSON, one entry per question
) WITHOUT ROWID;
INSERT INTO feedback_responses (id, request_id, answers)
    SELECT id, request_id, answers FROM feedback_responses_hold ORDER BY rowid;
DROP TABLE feedback_responses_hold;
DROP TABLE feedback_invites_hold;

-- Spent links: sha256("spent:" + token), which cannot be computed from an
-- invite's hash without the token itself (never stored).
CREATE TABLE feedback_spent_tokens (
    spent_hash    TEXT PRIMARY KEY,
    request_id    INTEGER NOT NULL REFERENCES feedback_requests(id)
) WITHOUT ROWID;

CREATE UNIQUE INDEX feedback_invites_by_token ON feedback_invites(token_hash);
CREATE INDEX feedback_responses_by_request ON feedback_responses(request_id);

-- The subject and the requester are never reviewers.
CREATE TRIGGER feedback_invites_not_subject_or_requester BEFORE INSERT ON feedback_invites
WHEN EXISTS (SELECT 1 FROM feedback_requests q WHERE q.id = new.request_id AND new.member_id IN (q.subject_id, q.requested_by))
BEGIN SELECT RAISE(ABORT, 'the subject and the requester of a feedback request are never its reviewers'); END;
CREATE TRIGGER feedback_invites_member_not_subject_or_requester BEFORE UPDATE OF member_id, request_id ON feedback_invites
WHEN EXISTS (SELECT 1 FROM feedback_requests q WHERE q.id = new.request_id AND new.member_id IN (q.subject_id, q.requested_by))
BEGIN SELECT RAISE(ABORT, 'the subject and the requester of a feedback request are never its reviewers'); END;
""",
    ),
    (
        18,
        "the Slack channels the bot has seen and whether each is private",
        """
-- A report channel's members lead a check-in with leads_from_report_channel
-- only while the channel is private: anyone may join a public one. The web
-- app never calls Slack, so it decides from what the bot last saw here.
CREATE TABLE channels (
    id            TEXT PRIMARY KEY,            -- C0123ABCD
    name          TEXT NOT NULL DEFAULT '',    -- without the '#', lower case
    is_private    INTEGER NOT NULL,
    seen_at       TEXT NOT NULL
);
CREATE INDEX channels_by_name ON channels(name);
""",
    ),
    (
        19,
        "a typed answer keeps which Slack message gave it, so a replay never stores it again",
        """
-- request_key: the Slack message a typed answer came from ('D001/1798000000.000100',
-- its channel and ts). The bot keeps a request until its work is done and does it
-- again after a crash or a passing fault; by then the run may show its next
-- question, which the same text must not answer too: the replay finds its key here.
ALTER TABLE answers ADD COLUMN request_key TEXT;
CREATE UNIQUE INDEX answers_by_request ON answers(request_key) WHERE request_key IS NOT NULL;
""",
    ),
    (
        20,
        "standup mode: a check-in's answers posted to a channel as each member finishes, each "
        "post claimed once; a weekly summary's note about answers given after it",
        """
-- broadcast: the channel ("#standup" or its id) each member's answers are posted to
-- as they finish their run; NULL: answers stay in the app. broadcast_thread: 1 posts
-- them as replies under one message per check-in and day, 0 as one message each.
-- broadcast_since: when broadcast was set to its channel; runs finished before are
-- never posted (they were answered when nothing was shared).
ALTER TABLE checkins ADD COLUMN broadcast TEXT;
ALTER TABLE checkins ADD COLUMN broadcast_thread INTEGER NOT NULL DEFAULT 1;
ALTER TABLE checkins ADD COLUMN broadcast_since TEXT;
-- What the bot found when it last looked at the channel (conversations.info): the
-- broadcast value it looked at, when, and the problem in one line (NULL: the bot is in
-- it). The web app and the CLI never call Slack; they show this.
ALTER TABLE checkins ADD COLUMN broadcast_checked TEXT;
ALTER TABLE checkins ADD COLUMN broadcast_checked_at TEXT;
ALTER TABLE checkins ADD COLUMN broadcast_problem TEXT;
-- A check-in that posts its answers to a channel shows them to the team.
CREATE TRIGGER checkins_broadcast_is_team_on_insert BEFORE INSERT ON checkins
WHEN new.broadcast IS NOT NULL AND new.visibility != 'team'
BEGIN SELECT RAISE(ABORT, 'a check-in with a broadcast channel has visibility team'); END;
CREATE TRIGGER checkins_broadcast_is_team_on_update BEFORE UPDATE OF broadcast, visibility
ON checkins WHEN new.broadcast IS NOT NULL AND new.visibility != 'team'
BEGIN SELECT RAISE(ABORT, 'a check-in with a broadcast channel has visibility team'); END;

-- The day's parent message ("Daily standup · Wed 3 Dec") of a check-in in a channel:
-- claimed ('posting') before it is posted, by whichever member finishes first; a claim
-- left by a stopped bot is looked for in the channel (its metadata names check-in and
-- day) before it is posted again.
CREATE TABLE broadcast_days (
    checkin_id    INTEGER NOT NULL REFERENCES checkins(id),
    local_date    TEXT NOT NULL,               -- the members' own date of the runs
    channel       TEXT NOT NULL,               -- as the check-in names it
    channel_id    TEXT,
    status        TEXT NOT NULL DEFAULT 'posting' CHECK (status IN ('posting','posted','failed')),
    message_ts    TEXT,
    claimed_by    TEXT,                        -- the bot instance posting it
    claimed_at    TEXT NOT NULL,
    posted_at     TEXT,
    retry_at      TEXT,                        -- a passing failure: not tried before
    error         TEXT,
    PRIMARY KEY (checkin_id, local_date, channel)
);

-- One member's answers in the channel, one row per run, claimed before the post
-- the same way. shown_edit: the newest answer edit the message shows ('' none), so an
-- edit made later is shown with chat.update.
CREATE TABLE broadcasts (
    run_id        INTEGER PRIMARY KEY REFERENCES runs(id),
    checkin_id    INTEGER NOT NULL REFERENCES checkins(id),
    member_id     TEXT NOT NULL,
    local_date    TEXT NOT NULL,
    channel       TEXT NOT NULL,
    channel_id    TEXT,
    thread_ts     TEXT,                        -- the day's parent; NULL: a message of its own
    status        TEXT NOT NULL DEFAULT 'posting' CHECK (status IN ('posting','posted','failed')),
    message_ts    TEXT,
    shown_edit    TEXT NOT NULL DEFAULT '',
    claimed_by    TEXT,
    claimed_at    TEXT NOT NULL,
    posted_at     TEXT,
    attempts      INTEGER NOT NULL DEFAULT 0,
    retry_at      TEXT,
    error         TEXT
);
CREATE INDEX broadcasts_by_status ON broadcasts(status, posted_at);

-- Answers given after a week's summary was posted: one note in its thread ("Late:
-- 2 more answers, participation now 92%"), claimed like the post, then kept current
-- at most once an hour. late_answers: how many late runs the note counts.
ALTER TABLE report_posts ADD COLUMN late_status TEXT CHECK (late_status IN ('posting','posted'));
ALTER TABLE report_posts ADD COLUMN late_ts TEXT;
ALTER TABLE report_posts ADD COLUMN late_answers INTEGER NOT NULL DEFAULT 0;
ALTER TABLE report_posts ADD COLUMN late_claimed_by TEXT;
ALTER TABLE report_posts ADD COLUMN late_noted_at TEXT;
""",
    ),
]

LATEST = MIGRATIONS[-1][0]
