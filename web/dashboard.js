// The engine dashboard: polls /v1/status once a second and draws the last two minutes as
// SVG line charts (built with DOM calls; no library, nothing fetched from elsewhere).
import { el, apiFetch, errorText } from './common.js';

const WINDOW = 120;  // samples kept (one per second)
const SVG = 'http://www.w3.org/2000/svg';
const $ = (id) => document.getElementById(id);

// Each chart: title, unit, and its series as (label, function of a sample).
const CHARTS = [
  { id: 'requests', title: 'Requests', unit: 'requests',
    series: [['running', (s) => s.running], ['waiting', (s) => s.waiting]] },
  { id: 'throughput', title: 'Tokens per second', unit: 'tok/s',
    series: [['prompt', (s) => s.prompt_tok_s], ['generation', (s) => s.gen_tok_s]] },
  { id: 'kv', title: 'KV-cache blocks', unit: 'blocks',
    series: [['used', (s) => s.kv_used], ['cached', (s) => s.kv_cached], ['total', (s) => s.kv_total]] },
  { id: 'hit', title: 'Prefix-cache hit rate', unit: '% of prompt tokens',
    series: [['hit rate', (s) => s.hit_rate]] },
  { id: 'ttft', title: 'Time to first token', unit: 'ms',
    series: [['p50', (s) => s.ttft.p50], ['p90', (s) => s.ttft.p90], ['p99', (s) => s.ttft.p99]] },
  { id: 'tpot', title: 'Time per output token', unit: 'ms',
    series: [['p50', (s) => s.tpot.p50], ['p90', (s) => s.tpot.p90], ['p99', (s) => s.tpot.p99]] },
];

const samples = [];
let prev = null;  // the previous raw totals, for rates

function sum(models, f) { return models.reduce((a, m) => a + (f(m) || 0), 0); }

// /v1/status answers one model's object, or {models: [...]} for several: sum over them.
function totals(body) {
  const models = Array.isArray(body.models) ? body.models.filter((m) => m.kv_cache) : [body];
  const q = sum(models, (m) => m.prefix_cache?.queried_tokens);
  const h = sum(models, (m) => m.prefix_cache?.hit_tokens);
  return {
    t: performance.now() / 1000,
    models,
    running: sum(models, (m) => m.num_running),
    waiting: sum(models, (m) => m.num_waiting),
    prompt_tokens: sum(models, (m) => m.prompt_tokens_computed),
    gen_tokens: sum(models, (m) => m.generation_tokens),
    kv_used: sum(models, (m) => m.kv_cache?.blocks_used),
    kv_cached: sum(models, (m) => m.kv_cache?.blocks_cached),
    kv_total: sum(models, (m) => m.kv_cache?.blocks_total),
    queried: q,
    hits: h,
    server: body.server || {},
  };
}

function sample(raw) {
  const dt = prev ? raw.t - prev.t : 0;
  const rate = (k) => (prev && dt > 0 ? Math.max(0, (raw[k] - prev[k]) / dt) : 0);
  const lat = raw.server.latency || {};
  const pct = (d) => ({ p50: d?.p50 ?? 0, p90: d?.p90 ?? 0, p99: d?.p99 ?? 0, count: d?.count ?? 0 });
  return {
    running: raw.running, waiting: raw.waiting,
    prompt_tok_s: rate('prompt_tokens'), gen_tok_s: rate('gen_tokens'),
    kv_used: raw.kv_used, kv_cached: raw.kv_cached, kv_total: raw.kv_total,
    hit_rate: raw.queried > 0 ? (100 * raw.hits) / raw.queried : 0,
    ttft: pct(lat.ttft_ms), tpot: pct(lat.tpot_ms),
  };
}

function fmt(v, digits = 1) {
  if (!Number.isFinite(v)) return '\u2013';
  if (Math.abs(v) >= 1000) return Math.round(v).toLocaleString('en-US');
  return v.toFixed(Number.isInteger(v) ? 0 : digits);
}
function bytes(n) {
  if (!n) return '\u2013';
  const u = ['B', 'KiB', 'MiB', 'GiB', 'TiB'];
  let i = 0;
  while (n >= 1024 && i < u.length - 1) { n /= 1024; i++; }
  return n.toFixed(i ? 1 : 0) + ' ' + u[i];
}

function renderInfo(raw) {
  const s = raw.server;
  const rows = [
    ['Model' + (raw.models.length > 1 ? 's' : ''), raw.models.map((m) => m.model + (m.state && m.state !== 'loaded' ? ` (${m.state})` : '')).join(', ')],
    ['Backend', [...new Set(raw.models.map((m) => m.backend).filter(Boolean))].join('; ') || '\u2013'],
    ['Threads', [...new Set(raw.models.map((m) => m.threads).filter(Boolean))].join(', ') || '\u2013'],
    ['Process memory (RSS)', bytes(s.rss_bytes)],
    ['Model memory (weights + KV)', bytes(sum(raw.models, (m) => m.memory_bytes))],
    ['KV cache', `${fmt(raw.kv_total)} blocks of ${raw.models[0]?.kv_cache?.block_size ?? '?'} tokens`],
    ['Uptime', s.uptime_s !== undefined ? fmt(s.uptime_s, 0) + ' s' : '\u2013'],
    ['Finished requests', fmt(sum(raw.models, (m) => m.finished_requests))],
  ];
  $('info-list').replaceChildren(...rows.flatMap(([k, v]) => [el('dt', { text: k }), el('dd', { text: v })]));
}

function renderCards(s) {
  const cards = [
    ['running', 'Running', fmt(s.running)], ['waiting', 'Waiting', fmt(s.waiting)],
    ['gen-tok-s', 'Generation', fmt(s.gen_tok_s) + ' tok/s'], ['prompt-tok-s', 'Prompt', fmt(s.prompt_tok_s) + ' tok/s'],
    ['kv-used', 'KV blocks used', `${fmt(s.kv_used)} / ${fmt(s.kv_total)}`], ['kv-cached', 'KV blocks cached', fmt(s.kv_cached)],
    ['hit-rate', 'Prefix hit rate', fmt(s.hit_rate) + ' %'],
    ['ttft', 'TTFT p50 / p99', `${fmt(s.ttft.p50)} / ${fmt(s.ttft.p99)} ms`],
    ['tpot', 'TPOT p50 / p99', `${fmt(s.tpot.p50)} / ${fmt(s.tpot.p99)} ms`],
  ];
  $('cards').replaceChildren(...cards.map(([id, label, value]) =>
    el('div', { class: 'card', 'data-metric': id }, el('div', { class: 'card-label', text: label }),
       el('div', { class: 'card-value', text: value }))));
}

function svg(tag, attrs = {}, text) {
  const n = document.createElementNS(SVG, tag);
  for (const [k, v] of Object.entries(attrs)) n.setAttribute(k, String(v));
  if (text !== undefined) n.textContent = text;
  return n;
}

function niceMax(v) {
  if (v <= 0) return 1;
  const p = Math.pow(10, Math.floor(Math.log10(v)));
  for (const m of [1, 2, 2.5, 5, 10]) if (m * p >= v) return m * p;
  return 10 * p;
}

function chart(spec) {
  const W = 480, H = 200, L = 56, R = 12, T = 12, B = 30;
  const values = spec.series.map(([, f]) => samples.map(f));
  const top = niceMax(Math.max(0, ...values.flat()));
  const xAgo = (sec) => L + (W - L - R) * (1 - sec / (WINDOW - 1));  // sec: seconds before now
  const x = (i) => xAgo(samples.length - 1 - i);
  const y = (v) => T + (H - T - B) * (1 - v / top);
  const root = svg('svg', { viewBox: `0 0 ${W} ${H}`, role: 'img', 'aria-label': `${spec.title} (${spec.unit}), last ${WINDOW} s` });
  for (let k = 0; k <= 4; k++) {
    const v = (top * k) / 4;
    root.append(svg('line', { x1: L, x2: W - R, y1: y(v), y2: y(v), class: 'grid' }));
    root.append(svg('text', { x: L - 6, y: y(v) + 4, 'text-anchor': 'end', class: 'tick' }, fmt(v, 2)));
  }
  for (const sec of [90, 60, 30, 0]) {
    root.append(svg('text', { x: xAgo(sec), y: H - 10, 'text-anchor': 'middle', class: 'tick' }, sec ? `-${sec} s` : 'now'));
  }
  root.append(svg('text', { x: 12, y: T + (H - T - B) / 2, class: 'axis-label', transform: `rotate(-90 12 ${T + (H - T - B) / 2})`, 'text-anchor': 'middle' }, spec.unit));
  values.forEach((vals, si) => {
    if (!vals.length) return;
    const d = vals.map((v, i) => `${i ? 'L' : 'M'}${x(i).toFixed(1)},${y(v).toFixed(1)}`).join(' ');
    root.append(svg('path', { d, class: `series s${si}`, 'data-series': spec.series[si][0] }));
  });
  const legend = el('ul', { class: 'legend' }, ...spec.series.map(([label], si) => {
    const last = values[si].at(-1);
    return el('li', { class: `s${si}` }, el('span', { class: 'swatch', 'aria-hidden': 'true' }), `${label}: ${fmt(last ?? 0)}`);
  }));
  return el('figure', { class: 'chart', 'data-chart': spec.id }, el('figcaption', { text: `${spec.title} (${spec.unit})` }), root, legend);
}

function renderCharts() { $('charts').replaceChildren(...CHARTS.map(chart)); }

let failures = 0;
async function poll() {
  try {
    const res = await apiFetch('/v1/status');
    if (!res.ok) throw new Error(await errorText(res));
    const raw = totals(await res.json());
    const s = sample(raw);
    prev = raw;
    samples.push(s);
    if (samples.length > WINDOW) samples.shift();
    renderInfo(raw);
    renderCards(s);
    renderCharts();
    failures = 0;
    $('dash-state').textContent = 'live, updated ' + new Date().toLocaleTimeString();
    document.body.dataset.samples = String(samples.length);
  } catch (e) {
    failures++;
    $('dash-state').textContent = 'no data: ' + (e.message || e);
  }
  setTimeout(poll, failures > 5 ? 5000 : 1000);
}

poll();
