"""Parity on more template families (fixtures/chat_templates/extra/: DeepSeek-R1-Distill, Gemma,
Phi-3, Mistral v0.3 with tools) against live transformers.apply_chat_template, through the same
checks as test_chat_template_parity.py (C++-built context == transformers' context, identical
output or the same error)."""

import pathlib
import sys

import pytest

pytest.importorskip("transformers")
sys.path.insert(0, str(pathlib.Path(__file__).resolve().parent))
import test_chat_template_parity as parity  # noqa: E402

EXTRA = pathlib.Path(__file__).resolve().parent / "fixtures" / "chat_templates" / "extra"
TOKENIZER = "tokenizer-llama3"  # provides bos_token/eos_token for the templates that print them

CALL_ID = {
    "role": "assistant",
    "content": None,
    "tool_calls": [{"id": "a1B2c3D4e", "type": "function",
                    "function": {"name": "get_weather", "arguments": "{\"city\": \"Oslo\"}"}}],
}
TOOL_ID = {"role": "tool", "tool_call_id": "a1B2c3D4e", "content": "{\"temp\": 3}"}
BAD_ID = {**CALL_ID, "tool_calls": [{**CALL_ID["tool_calls"][0], "id": "short"}]}
R1_ANSWER = {"role": "assistant", "content": "<think>\nhmm\n</think>\n\nIt is 3 °C."}

CONVERSATIONS = {
    **parity.BASIC,
    "not_alternating": [parity.U1, parity.U2],
    "tool_round_trip": [parity.SYS, parity.U_WEATHER, CALL_ID, TOOL_ID, R1_ANSWER],
    "bad_tool_call_id": [parity.U_WEATHER, BAD_ID, TOOL_ID],
}


def _cases():
    cases = []
    for path in sorted(EXTRA.glob("*.jinja")):
        for name, conv in CONVERSATIONS.items():
            tools = [parity.WEATHER_TOOL, parity.SEARCH_TOOL] if "tool" in name else None
            cases.append(pytest.param(path, conv, tools, name != "ends_with_assistant", id=f"{path.stem}-{name}"))
    return cases


@pytest.mark.parametrize("path,messages,tools,agp", _cases())
def test_more_templates(path, messages, tools, agp):
    parity.check_parity(TOKENIZER, path.read_text(encoding="utf-8"), messages, tools, agp, {})
