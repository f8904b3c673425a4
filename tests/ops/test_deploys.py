import tomllib
from contextlib import closing
from datetime import timedelta
from pathlib import Path

import pytest

import checkin
from checkin.cli import main
from checkin.config import Config
from checkin.db import connection
from checkin.ops import deploys, heartbeat
from checkin.people.viewer import OPERATOR, Viewer
from tests.conftest import ROOT

SHA_A = "a" * 40
SHA_B = "b" * 40


def test_version_matches_pyproject():
    project = tomllib.loads((ROOT / "pyproject.toml").read_text())["project"]
    assert checkin.__version__ == project["version"]


def test_commit_from_a_loose_branch_ref(tmp_path):
    git = tmp_path / ".git"
    (git / "refs" / "heads").mkdir(parents=True)
    (git / "HEAD").write_text("ref: refs/heads/main\n")
    (git / "refs" / "heads" / "main").write_text(SHA_A + "\n")
    assert deploys.git_commit(tmp_path) == SHA_A


def test_commit_from_packed_refs(tmp_path):
    git = tmp_path / ".git"
    git.mkdir()
    (git / "HEAD").write_text("ref: refs/heads/release\n")
    (git / "packed-refs").write_text(
        f"# pack-refs with: peeled fully-peeled sorted\n{SHA_A} refs/heads/main\n"
        f"{SHA_B} refs/heads/release\n"
    )
    assert deploys.git_commit(tmp_path) == SHA_B


def test_commit_of_a_detached_head(tmp_path):
    (tmp_path / ".git").mkdir()
    (tmp_path / ".git" / "HEAD").write_text(SHA_B + "\n")
    assert deploys.git_commit(tmp_path) == SHA_B


def test_commit_in_a_worktree_whose_branches_live_in_the_common_dir(tmp_path):
    common = tmp_path / "repo.git"
    (common / "refs" / "heads").mkdir(parents=True)
    (common / "refs" / "heads" / "feature").write_text(SHA_A)
    wt_git = common / "worktrees" / "wt"
    wt_git.mkdir(parents=True)
    (wt_git / "HEAD").write_text("ref: refs/heads/feature\n")
    (wt_git / "commondir").write_text("../..\n")
    checkout = tmp_path / "wt"
    checkout.mkdir()
    (checkout / ".git").write_text(f"gitdir: {wt_git}\n")
    assert deploys.git_commit(checkout) == SHA_A


@pytest.mark.parametrize("setup", ["absent", "empty_file", "dangling", "garbage_head"])
def test_no_commit_without_a_readable_checkout(tmp_path, setup):
    git = tmp_path / ".git"
    if setup == "empty_file":
        git.write_text("")
    elif setup == "dangling":
        git.write_text("gitdir: /nowhere/at/all\n")
    elif setup == "garbage_head":
        git.mkdir()
        (git / "HEAD").write_bytes(b"\xff\xfe not a ref")
    assert deploys.git_commit(tmp_path) is None


def test_version_line_names_the_commit_when_there_is_one(tmp_path):
    assert deploys.version_line(tmp_path) == f"checkin {checkin.__version__}"
    (tmp_path / ".git").mkdir()
    (tmp_path / ".git" / "HEAD").write_text(SHA_A)
    assert deploys.version_line(tmp_path) == f"checkin {checkin.__version__} (commit aaaaaaa)"


def test_each_start_is_recorded_and_the_trail_answers_what_ran_when(conn, clock, tmp_path):
    (tmp_path / ".git").mkdir()
    (tmp_path / ".git" / "HEAD").write_text(SHA_A)
    config = Config(db_path=tmp_path / "checkin.db", env="production")
    first = deploys.record_start(conn, "bot", config, clock=clock, root=tmp_path)
    clock.advance(days=3)
    (tmp_path / ".git" / "HEAD").write_text(SHA_B)
    deploys.record_start(conn, "web", config, clock=clock, root=tmp_path)
    second = deploys.record_start(conn, "bot", config, clock=clock, root=tmp_path)

    trail = deploys.trail(OPERATOR, conn)
    assert [(d.process, d.git_commit) for d in trail] == [
        ("bot", SHA_B),
        ("web", SHA_B),
        ("bot", SHA_A),
    ]
    assert all(d.env == "production" and d.version == checkin.__version__ for d in trail)
    then = deploys.running_at(OPERATOR, conn, first.started_at + timedelta(days=1))
    assert then is not None and then.git_commit == SHA_A
    assert deploys.running_at(OPERATOR, conn, second.started_at).git_commit == SHA_B
    assert deploys.trail(Viewer(role="member", slack_id="U1"), conn) == []


def test_the_heartbeat_shows_the_running_version(conn, clock, tmp_path, capsys):
    (tmp_path / ".git").mkdir()
    (tmp_path / ".git" / "HEAD").write_text(SHA_A)
    config = Config(db_path=tmp_path / "checkin.db")
    deploys.record_start(conn, "bot", config, clock=clock, root=tmp_path)
    deploys.record_start(conn, "web", config, clock=clock, root=Path("/nowhere"))
    heartbeat.beat(
        conn, env="development", dev_users=(), started_at=clock(), connected=True, clock=clock
    )
    holder, start = deploys.running_bot(conn)
    assert start.label == f"{checkin.__version__}+aaaaaaa" and start.pid == holder.pid

    assert main(["--db", str(config.db_path), "status"]) == 0
    assert f"bot version: {checkin.__version__}+aaaaaaa" in capsys.readouterr().out


def test_a_bot_start_lands_in_the_trail(slack, db_path, clock):
    from bot.app import Bot
    from checkin.config import Secret

    config = Config(
        db_path=db_path,
        env="production",
        api_url=slack.api_url,
        bot_token=Secret(slack.bot_token),
        app_token=Secret(slack.app_token),
    )
    bot = Bot(config, clock)
    try:
        bot.start(scheduler=False)
    finally:
        bot.stop(timeout=1)
    with closing(connection.connect(db_path)) as conn:
        (start,) = deploys.trail(OPERATOR, conn)
    assert (start.process, start.env, start.started_at) == ("bot", "production", clock())
    assert start.git_commit == deploys.git_commit()


def test_deploys_command_lists_the_trail(conn, clock, db_path, capsys):
    deploys.record_start(conn, "web", Config(db_path=db_path), clock=clock)
    assert main(["--db", str(db_path), "deploys"]) == 0
    out = capsys.readouterr().out
    assert out.startswith("2026-11-25 06:00Z web") and checkin.__version__ in out


def test_version_command_prints_the_package_version(capsys):
    with pytest.raises(SystemExit) as exit_:
        main(["--version"])
    assert exit_.value.code == 0
    assert capsys.readouterr().out.startswith(f"checkin {checkin.__version__}")
