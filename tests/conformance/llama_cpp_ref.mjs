// llama.cpp as a reference, through the prebuilt node-llama-cpp (scripts/setup.sh installs it
// into deps/): reads one JSON request from the file named by argv[2], writes one JSON answer
// to the file named by argv[3] (stdout would be cut at the pipe size by the exit below).
//   {"op": "tokenize", "model": PATH, "texts": [...], "special": bool}
//       -> {"ids": [[...], ...], "decoded": ["...", ...]}   (ids as llama_tokenize with
//          add_special=false and parse_special=special; decoded = detokenize(ids, special))
//   {"op": "detokenize", "model": PATH, "ids": [[...], ...]} -> {"decoded": [...]}
//   {"op": "logprobs", "model": PATH, "prompt": [ids], "positions": [...], "out": FILE} -> {"vocab": V}
//       (FILE: f32 [positions, V] log-probabilities of the next token, teacher forced)
//   {"op": "greedy", "model": PATH, "prompts": [[ids], ...], "n": N}
//       -> {"ids": [[...], ...], "tokens_per_s": x, "prompt_tokens_per_s": y}
import { pathToFileURL } from "node:url";
import path from "node:path";
import fs from "node:fs";

const root = path.resolve(path.dirname(new URL(import.meta.url).pathname), "../..");
const { getLlama, LlamaSampler } = await import(
  pathToFileURL(path.join(root, "deps/node_modules/node-llama-cpp/dist/index.js")).href);

const req = JSON.parse(fs.readFileSync(process.argv[2], "utf8"));
const llama = await getLlama({ gpu: false, build: "never", logLevel: "error" });
if (req.op === "tokenize") {
  const model = await llama.loadModel({ modelPath: req.model, vocabOnly: true });
  const ids = [], decoded = [];
  for (const t of req.texts) {
    const x = model.tokenize(t, req.special);
    ids.push(Array.from(x));
    decoded.push(model.detokenize(x, req.special));
  }
  fs.writeFileSync(process.argv[3], JSON.stringify({ ids, decoded }));
} else if (req.op === "detokenize") {
  const model = await llama.loadModel({ modelPath: req.model, vocabOnly: true });
  fs.writeFileSync(process.argv[3], JSON.stringify({ decoded: req.ids.map((x) => model.detokenize(x, false)) }));
} else if (req.op === "logprobs") {
  // Log-probabilities over the whole vocabulary after each prompt position (teacher forced),
  // written as raw little-endian f32 [positions, vocab] to req.out.
  const model = await llama.loadModel({ modelPath: req.model });
  const context = await model.createContext({ contextSize: 2048, threads: req.threads || 2, batchSize: 512 });
  const seq = context.getSequence();
  const want = new Set(req.positions);
  const input = req.prompt.map((t, i) => (want.has(i) ? [t, { generateNext: { probabilities: true } }] : t));
  const out = await seq.controlledEvaluate(input);
  const vocab = out[req.positions[0]].next.probabilities.size;  // the full distribution
  const buf = new Float32Array(req.positions.length * vocab).fill(-Infinity);
  req.positions.forEach((p, k) => {
    for (const [tok, prob] of out[p].next.probabilities) buf[k * vocab + tok] = Math.log(prob);
  });
  fs.writeFileSync(req.out, Buffer.from(buf.buffer));
  fs.writeFileSync(process.argv[3], JSON.stringify({ vocab }));
} else if (req.op === "greedy") {
  const model = await llama.loadModel({ modelPath: req.model });
  const context = await model.createContext({ contextSize: 2048, threads: req.threads || 2, batchSize: 512 });
  const out = [];
  let decodeTokens = 0, decodeMs = 0, promptTokens = 0, promptMs = 0;
  for (const prompt of req.prompts) {
    const seq = context.getSequence();
    const ids = [];
    const t0 = performance.now();
    let t1 = 0;
    for await (const tok of seq.evaluate(prompt, { temperature: 0 })) {
      if (ids.length === 0) t1 = performance.now();
      ids.push(tok);
      if (ids.length >= req.n) break;
    }
    const t2 = performance.now();
    promptTokens += prompt.length; promptMs += t1 - t0;
    decodeTokens += ids.length - 1; decodeMs += t2 - t1;
    out.push(ids);
    seq.dispose();
  }
  fs.writeFileSync(process.argv[3], JSON.stringify({
    ids: out, tokens_per_s: decodeTokens / (decodeMs / 1000), prompt_tokens_per_s: promptTokens / (promptMs / 1000) }));
}
process.exit(0);
