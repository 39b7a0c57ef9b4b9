"""The fixed benchmark prompt as token ids, encoded by the model's own tokenizer (HF `tokenizers`,
plus the BOS token when tokenizer_config.json names one and does not set add_bos_token false:
Llama 3 starts with <|begin_of_text|>, Qwen3 has no BOS),
cut to exactly N tokens so every engine sees the same ids.

Run with <repo>/.venv/bin/python: python prompt_ids.py TOKENIZER_DIR N  -> JSON list on stdout
"""

import json
import sys

from tokenizers import Tokenizer

TEXT = (
    "The history of computing is a story of people finding ways to make machines do arithmetic "
    "faster than any clerk could. Early mechanical calculators added and multiplied with gears; "
    "punched cards let looms and census machines follow instructions stored outside the machine. "
    "In the twentieth century, vacuum tubes, then transistors, then integrated circuits shrank "
    "the computer from a room to a chip. Each step made memory cheaper and faster, yet the gap "
    "between how quickly a processor can compute and how quickly memory can feed it kept growing. "
    "Today a large language model running on an ordinary laptop spends most of its time waiting "
    "for weights to stream in from memory, one layer after another, for every token it writes. "
    "Engineers therefore measure such programs in bytes per second as much as in operations per "
    "second, and they compress the weights to a few bits each so that more of them arrive in time. "
    "Explain, step by step and with concrete numbers, how you would estimate the fastest possible "
    "speed of such a program on a machine with two cores and one memory channel."
)


def main() -> None:
    tok = Tokenizer.from_file(f"{sys.argv[1]}/tokenizer.json")
    n = int(sys.argv[2])
    cfg = json.load(open(f"{sys.argv[1]}/tokenizer_config.json"))
    ids = tok.encode(TEXT, add_special_tokens=True).ids
    bos = cfg.get("bos_token")
    bos = bos.get("content") if isinstance(bos, dict) else bos
    if bos and cfg.get("add_bos_token") is not False and (not ids or ids[0] != tok.token_to_id(bos)):
        ids = [tok.token_to_id(bos)] + ids
    while len(ids) < n:  # longer prompts: repeat the text
        ids += tok.encode(" " + TEXT, add_special_tokens=False).ids
    print(json.dumps(ids[:n]))


if __name__ == "__main__":
    main()
