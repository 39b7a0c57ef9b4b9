"""Raw HTTP error cases: each answers its status with OpenAI's error JSON
({"error": {"message", "type", "param", "code"}}), and /health answers after every one."""

from __future__ import annotations

import json

import openai
import pytest

from api_helpers import SERVED_NAME

MAX_REQUEST_TOKENS = 64
MAX_BODY = 65536
MSG = [{"role": "user", "content": "hi"}]


@pytest.fixture(scope="module")
def server(start_server):
    return start_server("--max-request-tokens", MAX_REQUEST_TOKENS, "--max-body-size", MAX_BODY)


def check_error(server, method, path, body, want_status, needle=None, headers=None):
    status, hdrs, raw = server.request(method, path, body, headers)
    assert status == want_status, raw[:500]
    assert hdrs["content-type"].startswith("application/json")
    err = json.loads(raw)
    assert list(err.keys()) == ["error"], err
    assert set(err["error"].keys()) == {"message", "type", "param", "code"}, err
    assert isinstance(err["error"]["message"], str) and err["error"]["message"]
    assert isinstance(err["error"]["type"], str)
    if needle:
        assert needle in err["error"]["message"], err
    assert server.request("GET", "/health")[0] == 200, "server stopped answering"
    return err["error"]


def chat(**fields):
    body = {"model": SERVED_NAME, "messages": MSG, "max_tokens": 4}
    body.update(fields)
    return {k: v for k, v in body.items() if v is not None}


CHAT_400 = [
    ("malformed JSON", b'{"model": "x", "messages": [', "not valid JSON"),
    ("not an object", b"[1, 2, 3]", "JSON object"),
    ("wrong type: temperature", chat(temperature="hot"), "'temperature' must be a number"),
    ("wrong type: messages", chat(messages="hello"), "'messages' must be a list"),
    ("wrong type: stream", chat(stream="yes"), "'stream' must be a boolean"),
    ("wrong type: max_tokens", chat(max_tokens="10"), "'max_tokens' must be an integer"),
    ("missing messages", chat(messages=None), "'messages' is required"),
    ("empty messages", chat(messages=[]), "must not be empty"),
    ("unknown role", chat(messages=[{"role": "wizard", "content": "x"}]), "wizard"),
    ("message without content", chat(messages=[{"role": "user"}]), "content"),
    ("max_tokens = 0", chat(max_tokens=0), "at least 1"),
    ("max_tokens < 0", chat(max_tokens=-3), "at least 1"),
    ("max_tokens over the limit", chat(max_tokens=MAX_REQUEST_TOKENS + 1), "limit"),
    ("max_completion_tokens over the limit", chat(max_tokens=None, max_completion_tokens=1000), "limit"),
    ("logit_bias key", chat(logit_bias={"abc": 5}), "not a token id"),
    ("logit_bias id outside the vocabulary", chat(logit_bias={"999999999": 5}), "logit_bias"),
    ("logit_bias value", chat(logit_bias={"12": "up"}), "must be a number"),
    ("n over the limit", chat(n=17), "'n' is 17"),
    ("top_p out of range", chat(top_p=1.5), "top_p"),
    ("response_format unknown type", chat(response_format={"type": "xml"}), "unknown response_format"),
    ("response_format invalid schema",
     chat(response_format={"type": "json_schema", "json_schema": {"name": "x", "schema": {"type": "strin"}}}),
     "invalid json_schema"),
    ("tool_choice required without tools", chat(tool_choice="required"), "no 'tools'"),
    ("invalid UTF-8", b'{"model": "tiny-qwen3", "max_tokens": 4, "messages": [{"role": "user", "content": "\xff\xfe"}]}',
     "UTF-8"),
    ("image content", chat(messages=[{"role": "user", "content": [{"type": "image_url", "image_url": {"url": "x"}}]}]),
     "not supported"),
]


@pytest.mark.parametrize("name,body,needle", CHAT_400, ids=[c[0] for c in CHAT_400])
def test_chat_400(server, name, body, needle):
    check_error(server, "POST", "/v1/chat/completions", body, 400, needle)


def test_prompt_plus_max_tokens_over_context(server):
    long = [{"role": "user", "content": "word " * 2030}]  # ~2030 tokens of a 2048 context
    check_error(server, "POST", "/v1/chat/completions", chat(messages=long, max_tokens=60), 400, "context length")
    longer = [{"role": "user", "content": "word " * 2100}]
    check_error(server, "POST", "/v1/chat/completions", chat(messages=longer, max_tokens=None), 400, "context length")


@pytest.mark.parametrize("body,needle", [
    ({"model": SERVED_NAME}, "'prompt' is required"),
    ({"model": SERVED_NAME, "prompt": 12}, "'prompt' must be"),
    ({"model": SERVED_NAME, "prompt": ""}, "must not be empty"),
    ({"model": SERVED_NAME, "prompt": [1, 2, 99999999]}, "vocabulary"),
    ({"model": SERVED_NAME, "prompt": "x", "max_tokens": 0}, "at least 1"),
    ({"model": SERVED_NAME, "prompt": "x", "echo": True, "logprobs": 21}, "must be in [0, 20]"),
])
def test_completions_400(server, body, needle):
    check_error(server, "POST", "/v1/completions", body, 400, needle)


def test_unknown_model_404(server):
    e = check_error(server, "POST", "/v1/chat/completions", chat(model="gpt-9"), 404, "gpt-9")
    assert e["code"] == "model_not_found"
    check_error(server, "POST", "/v1/completions", {"model": "gpt-9", "prompt": "x"}, 404)


def test_unknown_route_404(server):
    check_error(server, "GET", "/v1/nothing", None, 404)
    check_error(server, "POST", "/v2/chat/completions", chat(), 404)


def test_wrong_method_405(server):
    status, hdrs, _ = server.request("GET", "/v1/chat/completions")
    assert status == 405 and "POST" in hdrs["allow"]
    check_error(server, "GET", "/v1/chat/completions", None, 405)
    check_error(server, "POST", "/v1/models", {}, 405)
    check_error(server, "PUT", "/health", b"", 405)


def test_body_over_limit_413(server):
    big = chat(messages=[{"role": "user", "content": "x" * (MAX_BODY + 10)}])
    check_error(server, "POST", "/v1/chat/completions", big, 413, str(MAX_BODY))


def test_sdk_raises_typed_errors(server):
    client = openai.OpenAI(base_url=server.base_url + "/v1", api_key="unused", max_retries=0)
    with pytest.raises(openai.BadRequestError) as e:
        client.chat.completions.create(model=SERVED_NAME, messages=[], max_tokens=3)
    assert "must not be empty" in str(e.value)
    with pytest.raises(openai.NotFoundError):
        client.chat.completions.create(model="nope", messages=MSG, max_tokens=3)
    # Still serving normally afterwards.
    r = client.chat.completions.create(model=SERVED_NAME, messages=MSG, max_tokens=3)
    assert r.choices[0].message.content is not None


def test_tokenize_detokenize_errors(server):
    check_error(server, "POST", "/tokenize", {"prompt": 5}, 400, "'prompt' must be a string")
    check_error(server, "POST", "/detokenize", {"tokens": ["a"]}, 400)
    check_error(server, "POST", "/detokenize", {}, 400, "'tokens' is required")
