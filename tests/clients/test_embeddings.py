"""/v1/embeddings (issue #23, point 5) through the openai SDK, LiteLLM and LangChain, against a
numpy reference of the same pooling over mlx-lm's final-normed hidden states (float32 tiny
model, f32 KV cache): cosine >= 0.9999. Pooling comes from --pooling or, for
sentence-transformers checkpoints, from modules.json -> 1_Pooling/config.json."""

from __future__ import annotations

import base64
import json
from pathlib import Path

import numpy as np
import openai
import pytest

from api_helpers import SERVED_NAME, Server
from clients_helpers import F32_VARIANT, model_path, reference_model

TEXTS = ["The quick brown fox jumps over the lazy dog.", "Paris is the capital of France",
         "a", "Embeddings turn text into vectors " * 20]


def reference_embedding(ids: list[int], pooling: str, dims: int | None = None) -> np.ndarray:
    import mlx.core as mx
    h = reference_model(F32_VARIANT).model(mx.array([ids], dtype=mx.int32))[0].astype(mx.float32)
    mx.eval(h)
    h = np.array(h, dtype=np.float64)  # [P, H], after the final norm
    v = {"last": h[-1], "mean": h.mean(axis=0), "cls": h[0]}[pooling]
    if dims:
        v = v[:dims]
    return v / np.linalg.norm(v)


def cosine(a, b) -> float:
    a, b = np.asarray(a, dtype=np.float64), np.asarray(b, dtype=np.float64)
    return float(a @ b / (np.linalg.norm(a) * np.linalg.norm(b)))


def tokenize(server, text: str) -> list[int]:
    status, body = server.json("POST", "/tokenize", {"prompt": text})
    assert status == 200, body
    return body["tokens"]


@pytest.fixture(scope="module")
def server(vllm_bin):
    s = Server(vllm_bin, model_path(F32_VARIANT), ["--kv-cache-dtype", "f32"])
    yield s
    assert s.stop() == 0, s.log_text()


def test_openai_sdk_float_base64_dimensions_tokens(server):
    client = openai.OpenAI(base_url=server.base_url + "/v1", api_key="unused", max_retries=0)
    r = client.embeddings.create(model=SERVED_NAME, input=TEXTS)  # the SDK asks for base64 and decodes it
    assert [d.index for d in r.data] == list(range(len(TEXTS)))
    ids = [tokenize(server, t) for t in TEXTS]
    assert r.usage.prompt_tokens == sum(len(i) for i in ids)
    for d, tok in zip(r.data, ids):
        assert len(d.embedding) == 256
        assert abs(np.linalg.norm(d.embedding) - 1) < 1e-5
        assert cosine(d.embedding, reference_embedding(tok, "last")) >= 0.9999
    f = client.embeddings.create(model=SERVED_NAME, input=TEXTS[0], encoding_format="float")
    assert np.allclose(f.data[0].embedding, r.data[0].embedding, atol=1e-6)
    m = client.embeddings.create(model=SERVED_NAME, input=TEXTS[1], dimensions=64, encoding_format="float")
    assert len(m.data[0].embedding) == 64
    assert cosine(m.data[0].embedding, reference_embedding(ids[1], "last", 64)) >= 0.9999
    t = client.embeddings.create(model=SERVED_NAME, input=[ids[0], ids[2]], encoding_format="float")
    assert np.allclose(t.data[0].embedding, r.data[0].embedding, atol=1e-5)
    assert np.allclose(t.data[1].embedding, r.data[2].embedding, atol=1e-5)


def test_raw_base64_and_errors(server):
    status, r = server.json("POST", "/v1/embeddings", {"input": "hello", "encoding_format": "base64"})
    assert status == 200, r
    v = np.frombuffer(base64.b64decode(r["data"][0]["embedding"]), dtype="<f4")
    assert v.shape == (256,) and abs(np.linalg.norm(v) - 1) < 1e-5
    status, raw = server.json("POST", "/embeddings", {"input": "hello", "normalize": False})  # un-prefixed alias
    assert status == 200
    assert cosine(raw["data"][0]["embedding"], v) >= 0.99999 and np.linalg.norm(raw["data"][0]["embedding"]) > 1.5
    for body, needle in [({"input": ""}, "empty"), ({"input": []}, "empty"), ({"input": 3}, "'input' must be"),
                         ({"input": "x", "dimensions": 257}, "dimensions"), ({"input": "x", "encoding_format": "int8"}, "encoding_format"),
                         ({"input": "x", "model": "nope"}, "does not exist")]:
        status, r = server.json("POST", "/v1/embeddings", body)
        assert status in (400, 404) and needle in r["error"]["message"], (body, r)


def test_litellm_and_langchain(server):
    import litellm
    from langchain_openai import OpenAIEmbeddings
    ids = [tokenize(server, t) for t in TEXTS[:2]]
    r = litellm.embedding(model=f"openai/{SERVED_NAME}", api_base=server.base_url + "/v1", api_key="unused",
                          input=TEXTS[:2])
    for d, tok in zip(r.data, ids):
        assert cosine(d["embedding"], reference_embedding(tok, "last")) >= 0.9999
    # check_embedding_ctx_length=False: send the text, not tiktoken's ids of it
    emb = OpenAIEmbeddings(model=SERVED_NAME, base_url=server.base_url + "/v1", api_key="unused",
                           check_embedding_ctx_length=False)
    docs = emb.embed_documents(TEXTS[:2])
    q = emb.embed_query(TEXTS[0])
    assert cosine(docs[0], reference_embedding(ids[0], "last")) >= 0.9999
    assert cosine(docs[1], reference_embedding(ids[1], "last")) >= 0.9999
    assert cosine(q, docs[0]) >= 0.99999


def test_concurrent_with_generation(server):
    """Embedding and generation requests batched together: each embedding equals its solo value."""
    import concurrent.futures
    client = openai.OpenAI(base_url=server.base_url + "/v1", api_key="unused", max_retries=0)
    solo = [client.embeddings.create(model=SERVED_NAME, input=t, encoding_format="float").data[0].embedding for t in TEXTS]

    def embed(t):
        return client.embeddings.create(model=SERVED_NAME, input=t, encoding_format="float").data[0].embedding

    def generate(_):
        return client.completions.create(model=SERVED_NAME, prompt="Once upon a time", max_tokens=16).choices[0].text

    with concurrent.futures.ThreadPoolExecutor(8) as ex:
        gens = [ex.submit(generate, i) for i in range(4)]
        embs = list(ex.map(embed, TEXTS))
        for g in gens:
            g.result()
    for a, b in zip(solo, embs):
        assert cosine(a, b) >= 0.99999


@pytest.mark.parametrize("pooling,from_checkpoint", [("mean", False), ("cls", False), ("mean", True)])
def test_pooling_modes(vllm_bin, tmp_path, pooling, from_checkpoint):
    model = model_path(F32_VARIANT)
    args = ["--kv-cache-dtype", "f32"]
    if from_checkpoint:  # a sentence-transformers checkpoint: the same files + modules.json / 1_Pooling
        model_dir = tmp_path / "st-model"
        model_dir.mkdir()
        for f in Path(model).iterdir():
            (model_dir / f.name).symlink_to(f)
        (model_dir / "modules.json").write_text(json.dumps([
            {"idx": 0, "name": "0", "path": "", "type": "sentence_transformers.models.Transformer"},
            {"idx": 1, "name": "1", "path": "1_Pooling", "type": "sentence_transformers.models.Pooling"},
            {"idx": 2, "name": "2", "path": "2_Normalize", "type": "sentence_transformers.models.Normalize"}]))
        (model_dir / "1_Pooling").mkdir()
        (model_dir / "1_Pooling" / "config.json").write_text(json.dumps(
            {"word_embedding_dimension": 256, "pooling_mode_cls_token": False, "pooling_mode_mean_tokens": True,
             "pooling_mode_lasttoken": False}))
        model = model_dir
    else:
        args += ["--pooling", pooling]
    s = Server(vllm_bin, model, args)
    try:
        for text in TEXTS:
            ids = tokenize(s, text)
            status, r = s.json("POST", "/v1/embeddings", {"input": text})
            assert status == 200, r
            assert cosine(r["data"][0]["embedding"], reference_embedding(ids, pooling)) >= 0.9999
    finally:
        assert s.stop() == 0


def test_qwen3_embedding_checkpoint_layout(vllm_bin, tmp_path):
    """The official Qwen3-Embedding checkpoints store the backbone without the `model.` prefix
    (embed_tokens.weight, layers.N.*, norm.weight; no lm_head, tie_word_embeddings true) and
    ship modules.json with last-token pooling. The same weights saved that way must give the
    reference's embeddings."""
    import mlx.core as mx
    src = Path(model_path(F32_VARIANT))
    flat = tmp_path / "qwen3-embedding-layout"
    flat.mkdir()
    tensors = {}
    for f in sorted(src.glob("*.safetensors")):
        tensors.update(mx.load(str(f)))
    renamed = {k[len("model."):]: v for k, v in tensors.items() if k.startswith("model.")}
    assert "embed_tokens.weight" in renamed and "norm.weight" in renamed and "layers.0.mlp.up_proj.weight" in renamed
    assert not any(k.startswith("lm_head") for k in renamed)
    mx.save_safetensors(str(flat / "model.safetensors"), renamed, metadata={"format": "pt"})
    for f in src.iterdir():
        if not f.name.endswith(".safetensors") and not f.name.endswith(".safetensors.index.json"):
            (flat / f.name).symlink_to(f)
    (flat / "modules.json").write_text(json.dumps([
        {"idx": 0, "name": "0", "path": "", "type": "sentence_transformers.models.Transformer"},
        {"idx": 1, "name": "1", "path": "1_Pooling", "type": "sentence_transformers.models.Pooling"},
        {"idx": 2, "name": "2", "path": "2_Normalize", "type": "sentence_transformers.models.Normalize"}]))
    (flat / "1_Pooling").mkdir()
    (flat / "1_Pooling" / "config.json").write_text(json.dumps(
        {"word_embedding_dimension": 256, "pooling_mode_cls_token": False, "pooling_mode_mean_tokens": False,
         "pooling_mode_lasttoken": True}))
    s = Server(vllm_bin, flat, ["--kv-cache-dtype", "f32"])
    try:
        for text in TEXTS[:3]:
            ids = tokenize(s, text)
            status, r = s.json("POST", "/v1/embeddings", {"input": text})
            assert status == 200, r
            assert cosine(r["data"][0]["embedding"], reference_embedding(ids, "last")) >= 0.9999
        assert "unused tensor" not in s.log_text() and "missing tensor" not in s.log_text()
    finally:
        assert s.stop() == 0, s.log_text()
