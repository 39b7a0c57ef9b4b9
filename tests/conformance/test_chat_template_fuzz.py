"""Differential fuzz (seeded, so deterministic): random edits of the four real chat templates are
rendered by transformers' jinja2 environment and by our driver. For every mutant both must
agree on success vs failure, successes must print identical text, and the driver must never
crash (exit code other than 0/1) or hang."""

import json
import pathlib
import random
import subprocess
import sys

import pytest

pytest.importorskip("transformers")
from transformers.utils import chat_template_utils  # noqa: E402

sys.path.insert(0, str(pathlib.Path(__file__).resolve().parent))
import test_chat_template_parity as parity  # noqa: E402

PIECES = ["{%", "%}", "{{", "}}", "-", "+", "(", ")", "[", "]", " if ", " else ", " not ", "|", ".", "'", '"',
          "loop.", " in ", "::-1", "{#", "#}", "\n", " ", "endif", "endfor", ",", "==", "~", "*", "/", "none",
          "tojson", " is ", "defined", "[0]", "|length", "|trim"]


def _mutants(seed, count):
    rng = random.Random(seed)
    sources = [parity._template_source(name) for name in sorted(parity.TEMPLATES)]
    for _ in range(count):
        s = rng.choice(sources)
        for _ in range(rng.randint(1, 3)):
            p = rng.randrange(len(s))
            op = rng.random()
            if op < 0.4:
                s = s[:p] + s[p + rng.randint(1, 6):]
            elif op < 0.8:
                s = s[:p] + rng.choice(PIECES) + s[p:]
            else:
                q = rng.randrange(len(s))
                s = s[:p] + s[q:q + rng.randint(1, 20)] + s[p:]
        yield s


@pytest.mark.parametrize("seed", [11, 12, 13])
def test_mutated_templates_agree_with_jinja2(seed):
    _, _, context = parity._reference(
        "qwen3", parity.TOOL_CONVS["tool_call_dict_args"] + [parity.A_REASON], [parity.WEATHER_TOOL], True, {})
    driver = str(parity._driver())
    num_rendered = 0
    for template in _mutants(seed, 150):
        try:
            expected, ref_error = chat_template_utils._compile_jinja_template(template).render(**context), None
        except Exception as e:  # any jinja2 failure: syntax, undefined, type errors
            expected, ref_error = None, f"{type(e).__name__}: {e}"
        proc = subprocess.run([driver], input=json.dumps({"template": template, "context": context}).encode(),
                              capture_output=True, timeout=20)
        assert proc.returncode in (0, 1), f"driver crashed ({proc.returncode}) on {template!r}: {proc.stderr[-400:]!r}"
        if ref_error is not None:
            assert proc.returncode == 1, f"jinja2 failed ({ref_error}) but we rendered, template {template!r}"
            continue
        assert proc.returncode == 0, f"we failed ({proc.stderr.decode()}) where jinja2 rendered, template {template!r}"
        assert proc.stdout.decode() == expected, f"output differs for template {template!r}"
        num_rendered += 1
    # The mutants must exercise rendering, not only syntax errors.
    assert num_rendered >= 20
