"""Sign-in for the web app's frame: who is looking, or a page saying why nobody may.

`streamlit_app.py` calls `current_viewer()` before `st.navigation`, keeps the
result in `st.session_state["viewer"]` (`VIEWER_KEY`) for the pages, and
builds its navigation with `pages_for(viewer, ...)`. A page asks `viewer()`. Pages that must open
without signing in (the feedback form, by its signed link) are passed as
`current_viewer(public_pages=[...])`.

- Served beyond 127.0.0.1 without sign-in configured: a refusal page, nothing else.
- Without sign-in, a request whose `Host` is not this machine's own name (`localhost`,
  `127.0.0.1`, `[::1]`): one line, nothing else. A web page the operator opens could
  otherwise point its own host name at 127.0.0.1 (DNS rebinding) and read everything.
- No `[auth]` in `.streamlit/secrets.toml`: the local operator (admin).
- `[auth]` configured and signed out: a page with the sign-in button (`st.login`).
- Signed in: `data.identify` (`checkin.people.access`) gives the viewer, or a refusal page
  (another workspace, unknown, deactivated) with a sign-out button.
- The sidebar says who is signed in, in which role, and offers `st.logout`.
"""

from __future__ import annotations

from collections.abc import Collection, Iterable, Mapping, Sequence
from typing import Any, TypeVar

import streamlit as st
from streamlit import config as st_config

from checkin.launch import LOCAL_ADDRESS, is_loopback, public_without_signin
from checkin.people.access import Refusal
from checkin.people.viewer import OPERATOR, Role, Viewer
from dashboard import data

VIEWER_KEY = "viewer"

EVERYONE: frozenset[Role] = frozenset({"admin", "lead", "member"})
LEADS: frozenset[Role] = frozenset({"admin", "lead"})
ADMINS: frozenset[Role] = frozenset({"admin"})

ROLE_NAMES = {"admin": "admin", "lead": "check-in lead", "member": "member"}

# The names by which a browser on this machine reaches the local operator's web app.
LOCAL_HOSTS = frozenset({"localhost", "127.0.0.1", "[::1]"})

P = TypeVar("P")


def auth_section() -> dict | None:
    """The `[auth]` secrets, or None when sign-in is not configured."""
    try:
        section = st.secrets.get("auth")
    except FileNotFoundError:  # no secrets.toml at all
        return None
    return dict(section) if isinstance(section, Mapping) and section else None


def signin_configured() -> bool:
    """Whether sign-in is set up (`[auth]` in secrets): then nobody is the local operator."""
    return auth_section() is not None


class NoViewer(data.Unavailable):
    """Sign-in is configured and nobody is signed in: the page shows nothing.

    An `Unavailable`, so the one `except data.Unavailable` of a page shows it.
    """


def viewer() -> Viewer:
    """Who is looking, for a page: the viewer the frame's sign-in put in the session.

    Without sign-in configured that is the local operator, when asked for by this
    machine's own name; with sign-in, a page run without a signed-in viewer gets
    `NoViewer`, never the operator's rights.
    """
    found = st.session_state.get(VIEWER_KEY)
    if isinstance(found, Viewer):
        return found
    if signin_configured():
        raise NoViewer("Sign in to see this page.")
    problem = host_problem(request_headers())
    if problem:
        raise NoViewer(problem)
    return OPERATOR


def request_headers() -> Mapping[str, str]:
    """The headers of the browser's connection to this session (none inside AppTest)."""
    return st.context.headers


def _host_name(host: str) -> str:
    """`Host` without its port: `localhost:8501` → `localhost`, `[::1]:8501` → `[::1]`."""
    host = host.strip().lower()
    if host.startswith("["):
        end = host.find("]")
        return host[: end + 1] if end > 0 else host
    name, _, port = host.rpartition(":")
    return name if name and port.isdigit() else host


def host_problem(headers: Mapping[str, str]) -> str | None:
    """Why a request without sign-in must see nothing: it names a host other than this machine.

    A browser always sends `Host`; a web page elsewhere that has pointed its own
    name at 127.0.0.1 (DNS rebinding) reaches the server by that name, so the
    name, not the address, tells the local operator from a stranger's page. No
    headers at all is no browser (AppTest).
    """
    if not headers:
        return None
    hosts = [value for key, value in headers.items() if key.lower() == "host"]
    getter = getattr(headers, "get_all", None)
    if callable(getter):
        hosts = list(getter("host"))
    if len(hosts) == 1 and _host_name(hosts[0]) in LOCAL_HOSTS:
        return None
    return (
        "This web app shows its data without sign-in only when opened on this machine as "
        f"http://{LOCAL_ADDRESS} or http://localhost: open it by that address, or set up sign-in."
    )


def providers(section: dict) -> list[str | None]:
    """The providers to offer: `[auth.NAME]` tables, or the one set directly in `[auth]`."""
    named = [name for name, value in section.items() if isinstance(value, Mapping)]
    return named or [None]


def bind_problem(signin: bool) -> str | None:
    """Why this app must not serve at all: it listens beyond this machine without sign-in."""
    if signin:
        return None
    address = st_config.get_option("server.address")
    if address is None and st_config.get_option("global.appTest"):
        return None  # AppTest: no server listens anywhere
    return None if is_loopback(address) else public_without_signin(address)


def pages_for(viewer: Viewer, pages: Iterable[tuple[P, Collection[Role]]]) -> list[P]:
    """The pages of the navigation this viewer's role may open: (page, roles) pairs.

    Hiding a page is not what protects its data (every read takes the viewer);
    it keeps a role from being offered what would only say "not for you".
    """
    return [page for page, roles in pages if viewer.role in roles]


def _signed_out_page(section: dict) -> None:
    st.title("checkin")
    st.write("Team check-ins: sign in with your Slack account to see yours.")
    for provider in providers(section):
        label = "Sign in with Slack" if provider in (None, "slack") else f"Sign in with {provider}"
        st.button(
            label,
            key=f"login-{provider or 'default'}",
            type="primary",
            icon=":material/login:",
            on_click=st.login,
            args=(provider,) if provider else (),
        )
    st.caption("Only members of this team's Slack workspace can sign in.")


def _refusal_page(refusal: Refusal) -> None:
    st.title("checkin")
    st.error(refusal.message, icon=":material/block:")
    name = st.user.get("name") or st.user.get("email") or ""
    if name:
        st.text(f"Signed in as {name}.")  # as written: never Markdown
    st.button("Sign out", key="logout-refused", icon=":material/logout:", on_click=st.logout)


def _sidebar(viewer: Viewer) -> None:
    with st.sidebar:
        st.text(f"Signed in as {viewer.name} ({ROLE_NAMES[viewer.role]})")  # never Markdown
        st.button("Sign out", key="logout", icon=":material/logout:", on_click=st.logout)
        st.caption("Signing out here does not sign you out of Slack.")


def identify_current(section: dict | None) -> Viewer | Refusal:
    """The viewer (or refusal) for this session, without drawing anything."""
    if section is None:
        return OPERATOR
    claims = st.user.to_dict()
    if not claims.get("is_logged_in"):
        return Refusal("signed_out", "Sign in to see the check-ins.")
    try:
        return data.identify(claims)
    except data.Unavailable as exc:
        return Refusal("unknown", f"The web app cannot check who you are: {exc}")


def _gate(refusal: Refusal, section: dict | None, public_pages: Sequence[Any]) -> None:
    """Draw the sign-in or refusal page; with public pages, as the default page of a
    navigation that also holds those (the feedback form, reached by its signed link)."""

    def gate_page() -> None:
        if refusal.reason == "signed_out":
            _signed_out_page(section or {})
        else:
            _refusal_page(refusal)

    if not public_pages:
        gate_page()
        return
    gate = st.Page(gate_page, title="Sign in", icon=":material/login:", default=True)
    st.navigation([gate, *public_pages], position="hidden").run()


def current_viewer(public_pages: Sequence[Any] = ()) -> Viewer:
    """The viewer of this run; draws the sign-in or refusal page and stops when there is none.

    `public_pages` (st.Page objects) stay reachable without signing in, by their
    URL alone: a page there must check its own credential (the feedback form's
    signed token) and show nothing else.
    """
    section = auth_section()
    problem = bind_problem(signin=section is not None)
    if problem:
        st.title("checkin")
        st.error(problem, icon=":material/lock:")
        st.caption(
            f"Serve it on {LOCAL_ADDRESS} (`--server.address {LOCAL_ADDRESS}`) or set up sign-in."
        )
        st.stop()
    if section is None:
        problem = host_problem(request_headers())
        if problem:
            st.title("checkin")
            st.error(problem, icon=":material/lock:")
            st.session_state.pop(VIEWER_KEY, None)
            st.stop()
    result = identify_current(section)
    if isinstance(result, Refusal):
        st.session_state.pop(VIEWER_KEY, None)
        _gate(result, section, public_pages)
        st.stop()
    if section is not None:
        _sidebar(result)
    st.session_state[VIEWER_KEY] = result
    return result
