"""The test suite's OpenID Connect provider behaves like one: Authlib accepts its id_token."""

from __future__ import annotations

import base64
import hashlib
import json
import secrets
import time
import urllib.error
import urllib.request
from urllib.parse import parse_qs, urlencode, urlsplit

import pytest
from joserfc import jwt
from joserfc.errors import BadSignatureError
from joserfc.jwk import KeySet

from tests.oidc.provider import SLACK_TEAM_ID, SLACK_USER_ID, OIDCProvider, SlackPerson, b64url

REDIRECT = "http://127.0.0.1:9/oauth2callback"


class NoRedirect(urllib.request.HTTPRedirectHandler):
    def redirect_request(self, *args, **kwargs):  # noqa: ANN002, ANN003, ANN201
        return None


@pytest.fixture
def provider():  # noqa: ANN201
    p = OIDCProvider(next_user=SlackPerson("U001", "T0001", "Ana Ash")).start()
    yield p
    p.stop()


def get_json(url: str) -> dict:
    with urllib.request.urlopen(url, timeout=5) as response:
        return json.load(response)


def authorize(provider: OIDCProvider, verifier: str, nonce: str = "n1") -> str:
    """The code the provider redirects back with."""
    challenge = b64url(hashlib.sha256(verifier.encode()).digest())
    query = urlencode(
        {
            "client_id": provider.client_id,
            "response_type": "code",
            "scope": "openid email profile",
            "redirect_uri": REDIRECT,
            "state": "s1",
            "nonce": nonce,
            "code_challenge": challenge,
            "code_challenge_method": "S256",
        }
    )
    opener = urllib.request.build_opener(NoRedirect)
    with pytest.raises(urllib.error.HTTPError) as found:
        opener.open(f"{provider.issuer}/authorize?{query}", timeout=5)
    location = found.value.headers["Location"]
    params = {k: v[0] for k, v in parse_qs(urlsplit(location).query).items()}
    assert location.startswith(REDIRECT) and params["state"] == "s1"
    return params["code"]


def exchange(provider: OIDCProvider, code: str, verifier: str) -> dict:
    basic = base64.b64encode(f"{provider.client_id}:{provider.client_secret}".encode()).decode()
    body = urlencode(
        {
            "grant_type": "authorization_code",
            "code": code,
            "redirect_uri": REDIRECT,
            "code_verifier": verifier,
        }
    ).encode()
    request = urllib.request.Request(
        f"{provider.issuer}/token", data=body, headers={"Authorization": f"Basic {basic}"}
    )
    with urllib.request.urlopen(request, timeout=5) as response:
        return json.load(response)


def sign_in(provider: OIDCProvider) -> dict:
    verifier = secrets.token_urlsafe(32)
    return exchange(provider, authorize(provider, verifier), verifier)


def test_discovery_names_every_endpoint_on_the_issuer(provider):
    doc = get_json(provider.discovery_url)
    assert doc["issuer"] == provider.issuer
    assert doc["id_token_signing_alg_values_supported"] == ["RS256"]
    assert get_json(doc["jwks_uri"])["keys"][0]["kid"] == provider.kid


def test_the_id_token_is_rs256_signed_with_slacks_claims(provider):
    token = sign_in(provider)
    keys = KeySet.import_key_set(get_json(f"{provider.issuer}/jwks"))
    decoded = jwt.decode(token["id_token"], keys, algorithms=["RS256"])
    claims = decoded.claims
    assert claims[SLACK_USER_ID] == "U001" and claims[SLACK_TEAM_ID] == "T0001"
    assert claims["aud"] == provider.client_id and claims["nonce"] == "n1"
    assert claims["iss"] == provider.issuer


def test_a_code_is_good_once(provider):
    verifier = secrets.token_urlsafe(32)
    code = authorize(provider, verifier)
    assert "id_token" in exchange(provider, code, verifier)
    with pytest.raises(urllib.error.HTTPError) as again:
        exchange(provider, code, verifier)
    assert again.value.code == 400


def test_a_code_needs_its_own_verifier(provider):
    code = authorize(provider, secrets.token_urlsafe(32))
    with pytest.raises(urllib.error.HTTPError) as wrong:
        exchange(provider, code, secrets.token_urlsafe(32))
    assert wrong.value.code == 400


def test_a_tampered_id_token_does_not_verify(provider):
    provider.tamper = True
    token = sign_in(provider)
    keys = KeySet.import_key_set(get_json(f"{provider.issuer}/jwks"))
    with pytest.raises(BadSignatureError):
        jwt.decode(token["id_token"], keys, algorithms=["RS256"])


def test_an_expired_id_token_is_dated_in_the_past(provider):
    provider.expire = True
    token = sign_in(provider)
    payload = token["id_token"].split(".")[1]
    claims = json.loads(base64.urlsafe_b64decode(payload + "=" * (-len(payload) % 4)))
    assert claims["exp"] < time.time()
