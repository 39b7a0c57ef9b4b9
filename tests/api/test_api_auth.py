"""--api-key: /v1/* and the tokenizer endpoints need the key (Bearer or x-api-key); /health
stays open; both SDKs authenticate with it."""

from __future__ import annotations

import json

import anthropic
import openai
import pytest

from api_helpers import SERVED_NAME

KEY = "sk-test-9f8e7d"
MSG = [{"role": "user", "content": "hi"}]


@pytest.fixture(scope="module")
def server(start_server):
    return start_server("--api-key", KEY)


@pytest.mark.parametrize("method,path,body", [
    ("GET", "/v1/models", None),
    ("POST", "/v1/chat/completions", {"model": SERVED_NAME, "messages": MSG, "max_tokens": 2}),
    ("POST", "/v1/completions", {"model": SERVED_NAME, "prompt": "x", "max_tokens": 2}),
    ("POST", "/v1/messages", {"model": SERVED_NAME, "messages": MSG, "max_tokens": 2}),
    ("GET", "/v1/status", None),
    ("DELETE", "/v1/cache", None),
    ("POST", "/tokenize", {"prompt": "x"}),
])
@pytest.mark.parametrize("headers", [{}, {"Authorization": "Bearer wrong"}, {"x-api-key": "wrong"},
                                     {"Authorization": KEY}, {"Authorization": "Bearer " + KEY + "x"}],
                         ids=["none", "wrong-bearer", "wrong-x-api-key", "no-bearer-prefix", "key-prefix"])
def test_401_without_the_right_key(server, method, path, body, headers):
    status, hdrs, raw = server.request(method, path, body, headers)
    assert status == 401, raw
    err = json.loads(raw)
    if path.startswith("/v1/messages"):
        assert err["type"] == "error" and err["error"]["type"] == "authentication_error"
    else:
        assert err["error"]["type"] == "authentication_error"
    assert server.request("GET", "/health")[0] == 200


def test_health_is_open(server):
    assert server.request("GET", "/health")[0] == 200


def test_right_key_works(server):
    assert server.request("GET", "/v1/models", headers={"Authorization": "Bearer " + KEY})[0] == 200
    assert server.request("GET", "/v1/models", headers={"x-api-key": KEY})[0] == 200


def test_sdks(server):
    good = openai.OpenAI(base_url=server.base_url + "/v1", api_key=KEY, max_retries=0)
    assert good.chat.completions.create(model=SERVED_NAME, messages=MSG, max_tokens=2).choices
    bad = openai.OpenAI(base_url=server.base_url + "/v1", api_key="nope", max_retries=0)
    with pytest.raises(openai.AuthenticationError):
        bad.models.list()
    a_good = anthropic.Anthropic(base_url=server.base_url, api_key=KEY, max_retries=0)
    assert a_good.messages.create(model=SERVED_NAME, max_tokens=2, messages=MSG).content
    a_bad = anthropic.Anthropic(base_url=server.base_url, api_key="nope", max_retries=0)
    with pytest.raises(anthropic.AuthenticationError):
        a_bad.messages.create(model=SERVED_NAME, max_tokens=2, messages=MSG)
