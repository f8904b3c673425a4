"""A small OpenID Connect provider on 127.0.0.1 that speaks like "Sign in with Slack".

It serves what Streamlit's `st.login` (Authlib) uses: the discovery document,
`/authorize` (authorization code with PKCE S256; it approves at once as the
person set in `next_user`, as Slack does for someone already signed in),
`/token` (client_secret_basic or _post, code and verifier checked, once) and
`/jwks` (the RS256 public key). The id_token carries Slack's claim names
(`https://slack.com/user_id`, `https://slack.com/team_id`, image claims that
make the cookie large). `expire`, `tamper` and `unsigned` spoil the next
id_token the way a stale or forged one would be.
"""

from __future__ import annotations

import base64
import hashlib
import json
import secrets
import threading
import time
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any
from urllib.parse import parse_qs, urlencode, urlsplit

from cryptography.hazmat.primitives import hashes
from cryptography.hazmat.primitives.asymmetric import padding, rsa

SLACK_USER_ID = "https://slack.com/user_id"
SLACK_TEAM_ID = "https://slack.com/team_id"


def b64url(data: bytes) -> str:
    return base64.urlsafe_b64encode(data).rstrip(b"=").decode()


def _int_bytes(value: int) -> bytes:
    return value.to_bytes((value.bit_length() + 7) // 8, "big")


@dataclass
class SlackPerson:
    """Who the provider signs in next, with Slack's claims."""

    user_id: str
    team_id: str
    name: str
    email: str = ""

    def claims(self) -> dict[str, Any]:
        first, _, last = self.name.partition(" ")
        images = {
            f"https://slack.com/user_image_{size}": (
                "https://avatars.slack-edge.example/2026-11-02/"
                f"8123456789012_{hashlib.sha1(self.user_id.encode()).hexdigest()[:20]}_{size}.png"
            )
            for size in (24, 32, 48, 72, 192, 512, 1024)
        }
        return {
            "sub": self.user_id,
            SLACK_USER_ID: self.user_id,
            SLACK_TEAM_ID: self.team_id,
            "email": self.email or f"{self.user_id.lower()}@example.com",
            "email_verified": True,
            "name": self.name,
            "given_name": first,
            "family_name": last,
            "locale": "en-US",
            "picture": images["https://slack.com/user_image_512"],
            "https://slack.com/team_name": f"Team {self.team_id}",
            "https://slack.com/team_domain": self.team_id.lower(),
            "https://slack.com/team_image_230": (
                "https://avatars.slack-edge.example/2026-11-02/8123456789013_team_230.png"
            ),
            "https://slack.com/team_image_default": True,
            **images,
        }


@dataclass
class Grant:
    client_id: str
    redirect_uri: str
    nonce: str | None
    challenge: str | None
    person: SlackPerson
    used: bool = False


@dataclass
class OIDCProvider:
    client_id: str = "1234567890.0987654321"
    client_secret: str = field(default_factory=lambda: secrets.token_urlsafe(24))
    next_user: SlackPerson | None = None
    expire: bool = False  # the next id_token expired an hour ago
    tamper: bool = False  # the next id_token's claims changed after signing
    unsigned: bool = False  # the next id_token says alg "none" and has no signature
    log: list[str] = field(default_factory=list)

    def __post_init__(self) -> None:
        self.key = rsa.generate_private_key(public_exponent=65537, key_size=2048)
        self.kid = secrets.token_hex(8)
        self.grants: dict[str, Grant] = {}
        self.lock = threading.Lock()
        self.server: ThreadingHTTPServer | None = None

    # ----- lifecycle

    @property
    def issuer(self) -> str:
        assert self.server is not None
        host, port = self.server.server_address[:2]
        return f"http://{host}:{port}"

    @property
    def discovery_url(self) -> str:
        return f"{self.issuer}/.well-known/openid-configuration"

    def start(self) -> OIDCProvider:
        provider = self

        class Handler(BaseHTTPRequestHandler):
            def log_message(self, *args: Any) -> None:  # quiet
                pass

            def do_GET(self) -> None:  # noqa: N802
                provider._get(self)

            def do_POST(self) -> None:  # noqa: N802
                provider._post(self)

        self.server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.server.daemon_threads = True
        # stop() waits for the loop to look at its flag: every 50 ms, not the default 500 ms
        threading.Thread(
            target=self.server.serve_forever, kwargs={"poll_interval": 0.05}, daemon=True
        ).start()
        return self

    def stop(self) -> None:
        if self.server is not None:
            self.server.shutdown()
            self.server.server_close()

    # ----- documents

    def discovery(self) -> dict[str, Any]:
        return {
            "issuer": self.issuer,
            "authorization_endpoint": f"{self.issuer}/authorize",
            "token_endpoint": f"{self.issuer}/token",
            "userinfo_endpoint": f"{self.issuer}/userinfo",
            "jwks_uri": f"{self.issuer}/jwks",
            "scopes_supported": ["openid", "profile", "email"],
            "response_types_supported": ["code"],
            "response_modes_supported": ["form_post"],
            "grant_types_supported": ["authorization_code"],
            "subject_types_supported": ["public"],
            "id_token_signing_alg_values_supported": ["RS256"],
            "claims_supported": ["sub", "auth_time", "iss", SLACK_USER_ID, SLACK_TEAM_ID],
            "claims_parameter_supported": False,
            "request_parameter_supported": False,
            "request_uri_parameter_supported": True,
            "token_endpoint_auth_methods_supported": ["client_secret_post", "client_secret_basic"],
            "code_challenge_methods_supported": ["S256"],
        }

    def jwks(self) -> dict[str, Any]:
        numbers = self.key.public_key().public_numbers()
        return {
            "keys": [
                {
                    "kty": "RSA",
                    "use": "sig",
                    "alg": "RS256",
                    "kid": self.kid,
                    "n": b64url(_int_bytes(numbers.n)),
                    "e": b64url(_int_bytes(numbers.e)),
                }
            ]
        }

    def id_token(self, claims: dict[str, Any]) -> str:
        header = {"alg": "RS256", "typ": "JWT", "kid": self.kid}
        signing_input = (
            f"{b64url(json.dumps(header).encode())}.{b64url(json.dumps(claims).encode())}"
        )
        signature = self.key.sign(signing_input.encode(), padding.PKCS1v15(), hashes.SHA256())
        token = f"{signing_input}.{b64url(signature)}"
        if self.unsigned:
            none = {"alg": "none", "typ": "JWT"}
            return f"{b64url(json.dumps(none).encode())}.{b64url(json.dumps(claims).encode())}."
        if self.tamper:
            forged = dict(claims, **{SLACK_TEAM_ID: "T0FORGED", SLACK_USER_ID: "U0ADMIN"})
            head, _, rest = token.partition(".")
            _, _, sig = rest.partition(".")
            token = f"{head}.{b64url(json.dumps(forged).encode())}.{sig}"
        return token

    # ----- endpoints

    def _send_json(self, handler: BaseHTTPRequestHandler, status: int, body: dict) -> None:
        data = json.dumps(body).encode()
        handler.send_response(status)
        handler.send_header("Content-Type", "application/json")
        handler.send_header("Cache-Control", "no-store")
        handler.send_header("Content-Length", str(len(data)))
        handler.end_headers()
        handler.wfile.write(data)

    def _get(self, handler: BaseHTTPRequestHandler) -> None:
        url = urlsplit(handler.path)
        self.log.append(f"GET {url.path}")
        if url.path == "/.well-known/openid-configuration":
            return self._send_json(handler, 200, self.discovery())
        if url.path == "/jwks":
            return self._send_json(handler, 200, self.jwks())
        if url.path == "/authorize":
            return self._authorize(handler, {k: v[0] for k, v in parse_qs(url.query).items()})
        return self._send_json(handler, 404, {"ok": False, "error": "not_found"})

    def _authorize(self, handler: BaseHTTPRequestHandler, query: dict[str, str]) -> None:
        redirect_uri = query.get("redirect_uri", "")
        problems = []
        if query.get("client_id") != self.client_id:
            problems.append("invalid_client_id")
        if query.get("response_type") != "code":
            problems.append("unsupported_response_type")
        if "openid" not in query.get("scope", "").split():
            problems.append("invalid_scope")
        if query.get("code_challenge") and query.get("code_challenge_method") != "S256":
            problems.append("invalid_code_challenge_method")
        if problems or not redirect_uri or self.next_user is None:
            return self._send_json(
                handler, 400, {"ok": False, "error": problems or ["no_user_signed_in"]}
            )
        code = secrets.token_urlsafe(16)
        with self.lock:
            self.grants[code] = Grant(
                client_id=self.client_id,
                redirect_uri=redirect_uri,
                nonce=query.get("nonce"),
                challenge=query.get("code_challenge"),
                person=self.next_user,
            )
        params = {"code": code}
        if "state" in query:
            params["state"] = query["state"]
        handler.send_response(302)
        handler.send_header("Location", f"{redirect_uri}?{urlencode(params)}")
        handler.send_header("Content-Length", "0")
        handler.end_headers()

    def _post(self, handler: BaseHTTPRequestHandler) -> None:
        url = urlsplit(handler.path)
        self.log.append(f"POST {url.path}")
        if url.path != "/token":
            return self._send_json(handler, 404, {"ok": False, "error": "not_found"})
        length = int(handler.headers.get("Content-Length") or 0)
        form = {k: v[0] for k, v in parse_qs(handler.rfile.read(length).decode()).items()}
        client_id, client_secret = form.get("client_id"), form.get("client_secret")
        auth = handler.headers.get("Authorization", "")
        if auth.startswith("Basic "):
            client_id, _, client_secret = base64.b64decode(auth[6:]).decode().partition(":")
        if client_id != self.client_id or client_secret != self.client_secret:
            return self._send_json(handler, 401, {"error": "invalid_client"})
        with self.lock:
            grant = self.grants.get(form.get("code", ""))
            if grant is None or grant.used:
                return self._send_json(handler, 400, {"error": "invalid_grant"})
            grant.used = True
        if form.get("grant_type") != "authorization_code" or (
            form.get("redirect_uri") != grant.redirect_uri
        ):
            return self._send_json(handler, 400, {"error": "invalid_grant"})
        if grant.challenge:
            verifier = form.get("code_verifier", "")
            if b64url(hashlib.sha256(verifier.encode()).digest()) != grant.challenge:
                return self._send_json(handler, 400, {"error": "invalid_grant"})
        now = int(time.time())
        issued = now - 7200 if self.expire else now
        claims = {
            "iss": self.issuer,
            "aud": self.client_id,
            "exp": issued + 3600,
            "iat": issued,
            "auth_time": issued,
            **grant.person.claims(),
        }
        if grant.nonce:
            claims["nonce"] = grant.nonce
        self._send_json(
            handler,
            200,
            {
                "ok": True,
                "access_token": "test-access-" + secrets.token_hex(12),
                "token_type": "Bearer",
                "id_token": self.id_token(claims),
                "expires_in": 3600,
            },
        )
