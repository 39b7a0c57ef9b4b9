"""Structured output against a random-weight model (issue #22 acceptance): a random model can
only return text that validates against a JSON schema, fully matches a regex or equals one of
the choices if the constraint is real. Each request must validate or end with "length"; most
must end with "stop" (the schemas bound every string, so a constrained walk ends quickly).
Also: the OpenAI SDK's chat.completions.parse(response_format=PydanticModel), forced
tool_choice (OpenAI required / named, Anthropic any / tool) parsed back as tool calls, vLLM's
guided_* / structured_outputs on chat and completions, and bad constraints answered 400 with
the server healthy afterwards."""

from __future__ import annotations

import json
import re
import time
from concurrent.futures import ThreadPoolExecutor
from typing import Literal

import anthropic
import jsonschema
import openai
import pydantic
import pytest

from api_helpers import SERVED_NAME

MSGS = [{"role": "user", "content": "Answer in the requested format."}]

# Assorted schemas: nested objects, arrays with min/max items, enums, patterns, bounded
# numbers, anyOf, $ref. Every string is bounded (maxLength, pattern or enum) and objects
# close (additionalProperties false), so a random walk through them ends.
SCHEMAS = [
    {"type": "object", "properties": {
        "name": {"type": "string", "maxLength": 8},
        "address": {"type": "object", "properties": {
            "zip": {"type": "string", "pattern": "^[0-9]{5}$"},
            "city": {"enum": ["Paris", "Oslo", "Lima"]}},
            "required": ["zip", "city"], "additionalProperties": False}},
     "required": ["name", "address"], "additionalProperties": False},
    {"type": "array", "items": {"type": "integer", "minimum": -50, "maximum": 50}, "minItems": 2, "maxItems": 4},
    {"type": "object", "properties": {"color": {"enum": ["red", "green", "blue"]},
                                      "shade": {"enum": [1, 2, 3, None]}},
     "required": ["color", "shade"], "additionalProperties": False},
    {"type": "object", "properties": {"code": {"type": "string", "pattern": "^[A-Z]{2}-[0-9]{3}$"},
                                      "ok": {"type": "boolean"}},
     "required": ["code", "ok"], "additionalProperties": False},
    {"type": "object", "properties": {"t": {"type": "number", "minimum": -1.5, "maximum": 2.5},
                                      "n": {"type": "integer", "exclusiveMinimum": 0, "maximum": 9}},
     "required": ["t", "n"], "additionalProperties": False},
    {"anyOf": [{"type": "integer", "minimum": 0, "maximum": 99},
               {"type": "string", "maxLength": 3},
               {"type": "null"}]},
    {"$defs": {"pt": {"type": "object", "properties": {"x": {"type": "integer", "minimum": 0, "maximum": 9},
                                                        "y": {"type": "integer", "minimum": 0, "maximum": 9}},
                      "required": ["x", "y"], "additionalProperties": False}},
     "type": "object", "properties": {"a": {"$ref": "#/$defs/pt"}, "b": {"$ref": "#/$defs/pt"}},
     "required": ["a", "b"], "additionalProperties": False},
    {"type": "array", "minItems": 1, "maxItems": 2, "items": {
        "type": "object", "properties": {"id": {"type": "integer", "minimum": 1, "maximum": 1000},
                                         "tags": {"type": "array", "items": {"enum": ["x", "y"]}, "maxItems": 3}},
        "required": ["id", "tags"], "additionalProperties": False}},
    {"type": "object", "properties": {"kind": {"const": "point"}, "v": {"type": "boolean"},
                                      "note": {"type": "string", "minLength": 1, "maxLength": 4}},
     "required": ["kind", "v"], "additionalProperties": False},
    {"type": "array", "items": {"type": "array", "items": {"type": "boolean"}, "minItems": 1, "maxItems": 2},
     "minItems": 1, "maxItems": 3},
]

REGEXES = [r"[0-9]{3}-[0-9]{4}", r"(yes|no|maybe)!?", r"[A-Z][a-z]{1,6} [A-Z][a-z]{1,6}",
           r"#[0-9a-f]{6}", r"(0|[1-9][0-9]{0,2})\.[0-9]{2}", r"[a-z]{2,5}@[a-z]{2,5}\.(com|org)",
           r"\d{4}-\d{2}-\d{2}", r"(ab|cd)+x"]
CHOICES = [["positive", "negative", "neutral"], ["A", "B", "C", "D"], ["猫", "犬"], ["on", "off"]]


@pytest.fixture(scope="module")
def server(start_server):
    return start_server("--max-num-seqs", "32")


@pytest.fixture(scope="module")
def client(server):
    return openai.OpenAI(base_url=server.base_url + "/v1", api_key="unused", max_retries=0)


def chat(server, max_tokens=48, seed=0, **extra):
    body = {"model": SERVED_NAME, "messages": MSGS, "max_tokens": max_tokens, "temperature": 1.0, "seed": seed, **extra}
    status, data = server.json("POST", "/v1/chat/completions", body)
    assert status == 200, data
    c = data["choices"][0]
    return c["message"]["content"], c["finish_reason"]


def run_all(fn, jobs):
    with ThreadPoolExecutor(16) as pool:
        return list(pool.map(fn, jobs))


def test_200_json_schema_requests_validate(server):
    # 20 per schema, through response_format json_schema, guided_json and structured_outputs.
    jobs = [(i, SCHEMAS[i % len(SCHEMAS)]) for i in range(200)]

    def one(job):
        i, schema = job
        field = i % 3
        if field == 0:
            extra = {"response_format": {"type": "json_schema", "json_schema": {"name": "s", "schema": schema, "strict": True}}}
        elif field == 1:
            extra = {"guided_json": schema}
        else:
            extra = {"structured_outputs": {"json": schema}}
        return chat(server, seed=i, **extra)

    t0 = time.time()
    results = run_all(one, jobs)
    stopped = 0
    for (i, schema), (text, reason) in zip(jobs, results):
        if reason == "length":
            continue
        assert reason == "stop", (i, reason, text)
        jsonschema.validate(json.loads(text), schema)  # raises with the path that failed
        stopped += 1
    assert stopped >= 180, f"only {stopped}/200 finished within max_tokens"
    print(f"200 json-schema requests in {time.time() - t0:.1f} s, {stopped} complete")


def test_regex_and_choice_requests_match(server):
    jobs = [("regex", REGEXES[i % len(REGEXES)], i) for i in range(48)] + \
           [("choice", CHOICES[i % len(CHOICES)], i) for i in range(40)]

    def one(job):
        kind, spec, i = job
        if kind == "regex":
            extra = {"guided_regex": spec} if i % 2 else {"structured_outputs": {"regex": spec}}
        else:
            extra = {"guided_choice": spec} if i % 2 else {"structured_outputs": {"choice": spec}}
        return chat(server, seed=i, max_tokens=32, **extra)

    results = run_all(one, jobs)
    for (kind, spec, i), (text, reason) in zip(jobs, results):
        if kind == "regex":
            assert reason in ("stop", "length"), reason
            if reason == "stop":
                assert re.fullmatch(spec, text), (spec, text)
        else:
            assert reason == "stop" and text in spec, (spec, text, reason)
    assert sum(r == "stop" for _, r in results) >= 80


def test_json_object_and_completions(server):
    text, reason = chat(server, seed=3, max_tokens=64, response_format={"type": "json_object"})
    if reason == "stop":
        assert isinstance(json.loads(text), dict)
    else:
        assert text.startswith("{")
    for i, extra in enumerate([{"guided_regex": r"[0-9]{2}:[0-9]{2}"},
                               {"guided_choice": ["alpha", "beta"]},
                               {"guided_grammar": 'start: "(" num ("," num)* ")"\nnum: /[0-9]/'},
                               {"response_format": {"type": "json_schema", "json_schema": {"name": "x", "schema": SCHEMAS[2]}}}]):
        status, data = server.json("POST", "/v1/completions", {"model": SERVED_NAME, "prompt": "Q:", "max_tokens": 40,
                                                               "seed": i, "n": 2, **extra})
        assert status == 200, data
        for c in data["choices"]:
            t = c["text"]
            if c["finish_reason"] == "length":
                continue
            if "guided_regex" in extra:
                assert re.fullmatch(r"[0-9]{2}:[0-9]{2}", t), t
            elif "guided_choice" in extra:
                assert t in ("alpha", "beta"), t
            elif "guided_grammar" in extra:
                assert re.fullmatch(r"\([0-9](,[0-9])*\)", t), t
            else:
                jsonschema.validate(json.loads(t), SCHEMAS[2])


class Pet(pydantic.BaseModel):
    name: str = pydantic.Field(max_length=6)
    kind: Literal["cat", "dog", "fish"]
    age: int = pydantic.Field(ge=0, le=30)
    vaccinated: bool


def test_openai_sdk_parse_pydantic(client):
    for seed in range(3):
        completion = client.chat.completions.parse(model=SERVED_NAME, messages=MSGS, response_format=Pet,
                                                   max_tokens=80, seed=seed, temperature=1.0)
        msg = completion.choices[0].message
        assert completion.choices[0].finish_reason == "stop"
        assert isinstance(msg.parsed, Pet), msg
        assert 0 <= msg.parsed.age <= 30 and len(msg.parsed.name) <= 6


WEATHER = {"type": "object", "properties": {"city": {"enum": ["Paris", "Oslo", "Lima"]},
                                            "days": {"type": "integer", "minimum": 1, "maximum": 7}},
           "required": ["city", "days"], "additionalProperties": False}
TOOLS = [{"type": "function", "function": {"name": "get_weather", "parameters": WEATHER}},
         {"type": "function", "function": {"name": "get_time", "parameters": {
             "type": "object", "properties": {"tz": {"enum": ["UTC", "CET"]}}, "required": ["tz"],
             "additionalProperties": False}}}]


def test_openai_forced_tool_choice(client):
    for seed in range(4):
        named = client.chat.completions.create(model=SERVED_NAME, messages=MSGS, tools=TOOLS, max_tokens=80, seed=seed,
                                               tool_choice={"type": "function", "function": {"name": "get_weather"}})
        choice = named.choices[0]
        assert choice.finish_reason == "tool_calls", choice
        (call,) = choice.message.tool_calls
        assert call.function.name == "get_weather"
        jsonschema.validate(json.loads(call.function.arguments), WEATHER)
        required = client.chat.completions.create(model=SERVED_NAME, messages=MSGS, tools=TOOLS, max_tokens=120,
                                                  seed=seed, tool_choice="required", parallel_tool_calls=False)
        choice = required.choices[0]
        assert choice.finish_reason == "tool_calls", choice
        assert len(choice.message.tool_calls) == 1
        assert choice.message.tool_calls[0].function.name in ("get_weather", "get_time")
    # Streamed: the same call arrives as tool-call deltas.
    stream = client.chat.completions.create(model=SERVED_NAME, messages=MSGS, tools=TOOLS, max_tokens=80, seed=1,
                                            stream=True, tool_choice={"type": "function", "function": {"name": "get_time"}})
    names, args, finish = [], "", None
    for chunk in stream:
        d = chunk.choices[0].delta if chunk.choices else None
        for tc in (d.tool_calls or []) if d else []:
            if tc.function.name:
                names.append(tc.function.name)
            args += tc.function.arguments or ""
        if chunk.choices and chunk.choices[0].finish_reason:
            finish = chunk.choices[0].finish_reason
    assert names == ["get_time"] and finish == "tool_calls"
    assert json.loads(args)["tz"] in ("UTC", "CET")


def test_anthropic_forced_tool_choice(server):
    client = anthropic.Anthropic(base_url=server.base_url, api_key="unused", max_retries=0)
    tools = [{"name": "get_weather", "description": "Weather", "input_schema": WEATHER}]
    for choice in ({"type": "any", "disable_parallel_tool_use": True}, {"type": "tool", "name": "get_weather"}):
        msg = client.messages.create(model=SERVED_NAME, max_tokens=80, messages=[{"role": "user", "content": "Weather?"}],
                                     tools=tools, tool_choice=choice)
        assert msg.stop_reason == "tool_use", msg
        uses = [b for b in msg.content if b.type == "tool_use"]
        assert len(uses) >= 1 and uses[0].name == "get_weather"
        jsonschema.validate(uses[0].input, WEATHER)
    status, data = server.json("POST", "/v1/messages", {
        "model": SERVED_NAME, "max_tokens": 60, "messages": [{"role": "user", "content": "x"}],
        "output_config": {"format": {"type": "json_schema", "schema": SCHEMAS[3]}}})
    assert status == 200, data
    text = "".join(b["text"] for b in data["content"] if b["type"] == "text")
    if data["stop_reason"] == "end_turn":
        jsonschema.validate(json.loads(text), SCHEMAS[3])


def test_bad_constraints_answer_400_and_server_stays_healthy(server):
    big_description = {"type": "object", "description": "x" * (1 << 20)}
    bad = [
        ({"guided_json": {"type": "strin"}}, "invalid json_schema"),
        ({"guided_json": {"type": "array", "uniqueItems": True}}, "uniqueItems"),
        ({"guided_json": {"not": {"type": "string"}}}, "not"),
        ({"guided_json": {"type": "object", "properties": {"a": {"$ref": "#/$defs/nope"}}, "required": ["a"]}}, "invalid json_schema"),
        ({"guided_regex": "(ab"}, "invalid regex"),
        ({"guided_grammar": "start: missing_rule"}, "invalid grammar"),
        ({"guided_json": big_description}, "over the limit"),
        ({"guided_json": {"type": "object", "properties": {f"p{i}": {"type": "integer"} for i in range(40000)}}}, "members"),
        ({"guided_regex": "a", "guided_choice": ["b"]}, "not both"),
        ({"guided_whitespace_pattern": " "}, "applies to a JSON constraint only"),
        ({"structured_outputs": {"structural_tag": {}}}, "not supported"),
        ({"tool_choice": "required"}, "no 'tools'"),
        ({"tools": TOOLS, "tool_choice": {"type": "function", "function": {"name": "nope"}}}, "not among the tools"),
        ({"response_format": {"type": "json_schema", "json_schema": {"name": "x", "schema": {"type": "strin"}}}}, "invalid json_schema"),
    ]
    for extra, needle in bad:
        body = {"model": SERVED_NAME, "messages": MSGS, "max_tokens": 8, **extra}
        status, data = server.json("POST", "/v1/chat/completions", body)
        assert status == 400, (extra if len(json.dumps(extra)) < 300 else needle, data)
        assert needle in data["error"]["message"], data
    status, data = server.json("POST", "/v1/messages", {"model": SERVED_NAME, "max_tokens": 8, "messages": MSGS,
                                                        "tool_choice": {"type": "any"}})
    assert status == 400 and "no 'tools'" in data["error"]["message"], data
    status, data = server.json("POST", "/v1/messages", {"model": SERVED_NAME, "max_tokens": 8, "messages": MSGS,
                                                        "output_config": {"format": {"type": "json_schema", "schema": {"type": 1}}}})
    assert status == 400, data
    # Classic backtracking bombs are linear for llguidance's derivative-based regex engine: they
    # are served (and the whole output matches), quickly, rather than refused.
    for rx in [r"(a+)+$", r"(a|a)*b", r"(\w+\s?)*$", r"(a|b)*a(a|b){40}"]:
        t0 = time.time()
        status, data = server.json("POST", "/v1/chat/completions", {"model": SERVED_NAME, "messages": MSGS,
                                                                    "max_tokens": 24, "guided_regex": rx})
        assert status == 200 and time.time() - t0 < 5, (rx, data)
    assert server.request("GET", "/health")[0] == 200
    text, reason = chat(server, seed=1, guided_choice=["still", "fine"])
    assert text in ("still", "fine") and reason == "stop"
