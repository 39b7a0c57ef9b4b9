"""llama-index's structured_predict against a vllm-cpp server (issue #22 acceptance). Runs in
.venv-llamaindex (scripts/requirements-llamaindex.txt: llama-index-llms-openai needs openai<3,
the main .venv pins openai 3), started by test_structured_clients.py::test_llama_index_*.

usage: llama_index_client.py BASE_URL MODEL MODE N
  MODE function: OpenAILike as a function-calling model (FunctionCallingProgram: a forced
                 tool call whose arguments the server constrains to the schema)
  MODE astructured: the async path (astructured_predict) of the same
Prints one JSON line per result: the parsed object's model_dump(), or {"error": ...}."""

import asyncio
import json
import sys
from typing import Literal

import pydantic
from llama_index.core.prompts import PromptTemplate
from llama_index.llms.openai_like import OpenAILike


class Point(pydantic.BaseModel):
    """A point on a small grid."""
    model_config = pydantic.ConfigDict(extra="forbid")
    x: int = pydantic.Field(ge=0, le=9)
    y: int = pydantic.Field(ge=0, le=9)
    label: Literal["a", "b", "c"]


def main() -> None:
    base_url, model, mode, n = sys.argv[1], sys.argv[2], sys.argv[3], int(sys.argv[4])
    prompt = PromptTemplate("Give me a point number {i}.")
    for i in range(n):
        llm = OpenAILike(model=model, api_base=base_url, api_key="unused", is_chat_model=True,
                         is_function_calling_model=True, context_window=2048, max_tokens=120,
                         temperature=1.0, max_retries=0, additional_kwargs={"seed": i})
        try:
            if mode == "function":
                out = llm.structured_predict(Point, prompt, i=str(i))
            elif mode == "astructured":
                out = asyncio.run(llm.astructured_predict(Point, prompt, i=str(i)))
            else:
                raise SystemExit(f"unknown mode {mode}")
            print(json.dumps({"type": type(out).__name__, "value": out.model_dump()}), flush=True)
        except Exception as e:  # reported, and the test fails on it
            print(json.dumps({"error": f"{type(e).__name__}: {e}"}), flush=True)


if __name__ == "__main__":
    main()
