"""Structured output through the clients people build on (issue #22 acceptance): LangChain's
ChatOpenAI.with_structured_output (json_schema, json_mode, function_calling, and over the
Responses API), instructor (JSON, JSON_SCHEMA, TOOLS), pydantic-ai (tool output, native
output, the OpenAI Responses model) and LiteLLM (json mode, response_format=Model,
litellm.responses). The server runs a random-weight model: each client can only hand back a
parsed, validated object when the server really constrains the output (the schema's bounds
keep a random walk through it short). llama-index is not tested: llama-index-llms-openai
0.8 requires openai<3, which conflicts with the openai SDK pinned for the rest of the suite.

json_object / json_mode give a JSON object of any shape, so those clients parse into a
model whose fields all have defaults (or a plain dict): what they check is that the text is
one JSON object. A JSON object has no bound on its strings, and a random model's string
never ends (its closing quote is one token among 151,936), so those requests bias the quote
token (QUOTE_BIAS): unconstrained, the model then writes a run of quotes, never JSON;
constrained, it writes short objects such as {"": "", "": 3}."""

from __future__ import annotations

import asyncio
import json
import re
from typing import Literal

import pydantic
import pytest

from api_helpers import SERVED_NAME

MAX_TOKENS = 120
QUOTE_BIAS = {"1": 30}  # Qwen3's '"' is token 1 (checked against the tokenizer in test_quote_token)


class Point(pydantic.BaseModel):
    """A point on a small grid."""
    model_config = pydantic.ConfigDict(extra="forbid")  # a closed object: additionalProperties false
    x: int = pydantic.Field(ge=0, le=9)
    y: int = pydantic.Field(ge=0, le=9)
    label: Literal["a", "b", "c"]


class AnyObject(pydantic.BaseModel):
    """Any JSON object (json_object mode constrains the shape, not the keys)."""
    model_config = pydantic.ConfigDict(extra="allow")


@pytest.fixture(scope="module")
def server(start_server):
    # Masks on worker threads (the default picks them on CUDA or with cores to spare; on this
    # suite's 2-core machine it would fill them inline, which tests/structured covers).
    return start_server("--max-num-seqs", "8", "--enable-metrics", "--grammar-threads", "2")


def responses_served(server) -> int:
    """Successful POST /v1/responses so far (the server's own request counter): proves a
    client's Responses mode really went through that endpoint."""
    status, _, body = server.request("GET", "/metrics")
    assert status == 200
    m = re.search(r'vllm_cpp_http_requests_total\{endpoint="/v1/responses",status="200"\} (\d+)', body.decode())
    return int(m.group(1)) if m else 0


@pytest.fixture(scope="module")
def base_url(server):
    return server.base_url + "/v1"


def test_quote_token(tiny_model):
    from tokenizers import Tokenizer
    tok = Tokenizer.from_file(str(tiny_model / "tokenizer.json"))
    assert tok.id_to_token(int(next(iter(QUOTE_BIAS)))) == '"'


def test_json_mode_needs_the_constraint(server):
    # The bias alone (no constraint) gives text that is not a JSON object.
    status, data = server.json("POST", "/v1/chat/completions", {
        "model": SERVED_NAME, "messages": [{"role": "user", "content": "JSON"}], "max_tokens": 40, "seed": 1,
        "temperature": 1.0, "logit_bias": QUOTE_BIAS})
    assert status == 200, data
    with pytest.raises(ValueError):
        assert isinstance(json.loads(data["choices"][0]["message"]["content"]), dict)


def check_point(p):
    assert isinstance(p, Point), p
    Point.model_validate(p.model_dump())  # the bounds hold


# --- LangChain -------------------------------------------------------------------------

def lc_model(base_url, **kw):
    from langchain_openai import ChatOpenAI
    return ChatOpenAI(model=SERVED_NAME, base_url=base_url, api_key="unused", max_retries=0, temperature=1.0,
                      max_tokens=MAX_TOKENS, **kw)


@pytest.mark.parametrize("method", ["json_schema", "function_calling"])
def test_langchain_structured_output(base_url, method):
    kw = {"model_kwargs": {"parallel_tool_calls": False}} if method == "function_calling" else {}
    chain = lc_model(base_url, **kw).with_structured_output(Point, method=method)
    for seed in range(3):
        check_point(chain.invoke("Give me a point.", seed=seed))


def test_langchain_json_mode(base_url):
    chain = lc_model(base_url, logit_bias=QUOTE_BIAS).with_structured_output(None, method="json_mode")
    out = chain.invoke("Give me a JSON object.", seed=1)
    assert isinstance(out, dict), out


@pytest.mark.parametrize("method", ["json_schema", "function_calling"])
def test_langchain_responses_api(server, base_url, method):
    kw = {"model_kwargs": {"parallel_tool_calls": False}} if method == "function_calling" else {}
    chain = lc_model(base_url, use_responses_api=True, **kw).with_structured_output(Point, method=method)
    before = responses_served(server)
    for _ in range(2):
        check_point(chain.invoke("Give me a point."))
    assert responses_served(server) == before + 2


# --- instructor --------------------------------------------------------------------------

@pytest.mark.parametrize("mode", ["JSON_SCHEMA", "TOOLS"])
def test_instructor_schema_modes(base_url, mode):
    import instructor
    import openai
    client = instructor.from_openai(openai.OpenAI(base_url=base_url, api_key="unused", max_retries=0),
                                    mode=getattr(instructor.Mode, mode))
    for seed in range(3):
        p = client.chat.completions.create(model=SERVED_NAME, response_model=Point, max_retries=0, seed=seed,
                                           max_tokens=MAX_TOKENS, temperature=1.0,
                                           messages=[{"role": "user", "content": "Give me a point."}])
        check_point(p)


def test_instructor_json_mode(base_url):
    import instructor
    import openai
    client = instructor.from_openai(openai.OpenAI(base_url=base_url, api_key="unused", max_retries=0),
                                    mode=instructor.Mode.JSON)
    obj, completion = client.chat.completions.create_with_completion(
        model=SERVED_NAME, response_model=AnyObject, max_retries=0, seed=2, max_tokens=MAX_TOKENS, temperature=1.0,
        logit_bias=QUOTE_BIAS,
        messages=[{"role": "user", "content": "Give me an object."}])
    assert isinstance(obj, AnyObject)
    assert isinstance(json.loads(completion.choices[0].message.content), dict)


# --- pydantic-ai -------------------------------------------------------------------------

def pai_run(base_url, model_cls, output_type, settings=None):
    from pydantic_ai import Agent
    from pydantic_ai.providers.openai import OpenAIProvider
    provider = OpenAIProvider(base_url=base_url, api_key="unused")
    agent = Agent(model_cls(SERVED_NAME, provider=provider), output_type=output_type, retries=0)
    settings = {"max_tokens": MAX_TOKENS, "temperature": 1.0, **(settings or {})}
    return agent.run_sync("Give me a point.", model_settings=settings).output


@pytest.mark.parametrize("api", ["chat", "responses"])
@pytest.mark.parametrize("kind", ["tool", "native"])
def test_pydantic_ai_output_types(server, base_url, api, kind):
    from pydantic_ai import NativeOutput, ToolOutput
    from pydantic_ai.models.openai import OpenAIChatModel, OpenAIResponsesModel
    model_cls = OpenAIChatModel if api == "chat" else OpenAIResponsesModel
    output_type = ToolOutput(Point) if kind == "tool" else NativeOutput(Point)
    settings = {"parallel_tool_calls": False} if kind == "tool" else {}
    before = responses_served(server)
    for _ in range(2):
        check_point(pai_run(base_url, model_cls, output_type, settings))
    assert responses_served(server) == before + (2 if api == "responses" else 0)


# --- LiteLLM -----------------------------------------------------------------------------

def test_litellm_json_mode_and_schema(base_url):
    import litellm
    kw = {"model": "openai/" + SERVED_NAME, "api_base": base_url, "api_key": "unused", "temperature": 1.0,
          "messages": [{"role": "user", "content": "Give me JSON."}]}
    r = litellm.completion(response_format={"type": "json_object"}, max_tokens=MAX_TOKENS, seed=4,
                           logit_bias=QUOTE_BIAS, **kw)
    assert isinstance(json.loads(r.choices[0].message.content), dict)
    for seed in range(2):
        r = litellm.completion(response_format=Point, max_tokens=MAX_TOKENS, seed=seed, **kw)
        check_point(Point.model_validate_json(r.choices[0].message.content))


def test_litellm_responses(server, base_url):
    import litellm
    before = responses_served(server)
    schema = Point.model_json_schema()
    schema["additionalProperties"] = False
    r = litellm.responses(model="openai/" + SERVED_NAME, api_base=base_url, api_key="unused", input="Give me a point.",
                          max_output_tokens=MAX_TOKENS, temperature=1.0,
                          text={"format": {"type": "json_schema", "name": "Point", "schema": schema, "strict": True}})
    texts = [c.text for item in r.output if item.type == "message" for c in item.content if c.type == "output_text"]
    assert r.status == "completed" and len(texts) == 1, r
    check_point(Point.model_validate_json(texts[0]))
    # Streamed through LiteLLM too: the deltas add up to the same kind of object.
    events = list(litellm.responses(model="openai/" + SERVED_NAME, api_base=base_url, api_key="unused",
                                    input="Give me a point.", max_output_tokens=MAX_TOKENS, stream=True,
                                    text={"format": {"type": "json_schema", "name": "Point", "schema": schema}}))
    text = "".join(getattr(e, "delta", "") for e in events if getattr(e, "type", "") == "response.output_text.delta")
    check_point(Point.model_validate_json(text))
    assert responses_served(server) == before + 2


# --- llama-index ---------------------------------------------------------------------------
# In its own virtualenv (.venv-llamaindex, scripts/requirements-llamaindex.txt): its OpenAI
# integration requires openai<3, this one pins openai 3.

@pytest.mark.parametrize("mode", ["function", "astructured"])
def test_llama_index_structured_predict(base_url, mode):
    import subprocess
    import sys
    from pathlib import Path
    root = Path(__file__).resolve().parents[2]
    python = root / ".venv-llamaindex" / "bin" / "python"
    assert python.exists(), "run scripts/setup.sh (it makes .venv-llamaindex)"
    p = subprocess.run([str(python), str(Path(__file__).with_name("llama_index_client.py")), base_url, SERVED_NAME,
                        mode, "3"], capture_output=True, text=True, timeout=300)
    assert p.returncode == 0, p.stderr[-4000:]
    results = [json.loads(line) for line in p.stdout.splitlines() if line.startswith("{")]
    assert len(results) == 3, (p.stdout, p.stderr[-4000:])
    for r in results:
        assert "error" not in r, r
        assert r["type"] == "Point", r
        check_point(Point.model_validate(r["value"]))
