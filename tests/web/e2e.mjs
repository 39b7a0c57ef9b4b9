// End-to-end browser test of the web UI (issue #19), run by tests/web/test_browser.py against
// live `vllm-cpp serve` processes: headless Chromium from Debian driven by playwright-core
// (no browser download), axe-core for accessibility. Any JavaScript error on a page fails it.
//
// Environment: BASE (a server with two models, MODEL_A and MODEL_B), KEY_BASE + API_KEY (a
// server started with --api-key), CHROMIUM (the browser binary), DEPS (the folder holding
// node_modules), ARTIFACTS (screenshots go here).
import fs from 'node:fs';
import path from 'node:path';
import { createRequire } from 'node:module';

const env = (k) => { if (!process.env[k]) throw new Error(`${k} is not set`); return process.env[k]; };
const BASE = env('BASE'), KEY_BASE = env('KEY_BASE'), API_KEY = env('API_KEY');
const MODEL_A = env('MODEL_A'), MODEL_B = env('MODEL_B');
const ARTIFACTS = env('ARTIFACTS');
const require = createRequire(path.join(env('DEPS'), 'package.json'));
const { chromium } = require('playwright-core');
const AXE = fs.readFileSync(require.resolve('axe-core/axe.min.js'), 'utf8');
fs.mkdirSync(ARTIFACTS, { recursive: true });

let failures = 0;
const results = [];
function check(cond, what) {
  if (!cond) throw new Error('check failed: ' + what);
}
async function step(name, fn) {
  const t0 = Date.now();
  try {
    await fn();
    results.push(`ok   ${name} (${Date.now() - t0} ms)`);
  } catch (e) {
    failures++;
    results.push(`FAIL ${name}: ${e.stack || e}`);
  }
  console.log(results.at(-1));
}

// Every page error and console error fails the step that produced it (checked at its end).
function watch(page, allow = () => false) {
  const errors = [];
  page.on('pageerror', (e) => errors.push('pageerror: ' + e.message));
  page.on('console', (m) => { if (m.type() === 'error' && !allow(m.text())) errors.push('console: ' + m.text()); });
  page.assertNoErrors = () => check(errors.length === 0, 'no JavaScript errors, got ' + JSON.stringify(errors));
  return page;
}

async function status(base, key) {
  const r = await fetch(base + '/v1/status', { headers: key ? { Authorization: 'Bearer ' + key } : {} });
  const j = await r.json();
  const models = Array.isArray(j.models) ? j.models : [j];
  return { running: models.reduce((a, m) => a + (m.num_running || 0), 0), body: j };
}

async function modelStates(base) {
  const j = await (await fetch(base + '/v1/models')).json();
  return Object.fromEntries(j.data.map((m) => [m.id, m.state]));
}

async function axeCheck(page, name) {
  await page.evaluate(AXE);  // DevTools evaluation: not subject to the page's CSP
  const r = await page.evaluate(async () => {
    const res = await window.axe.run(document, { resultTypes: ['violations'] });
    return res.violations.map((v) => ({ id: v.id, impact: v.impact, nodes: v.nodes.length, help: v.help }));
  });
  fs.writeFileSync(path.join(ARTIFACTS, `axe-${name}.json`), JSON.stringify(r, null, 2));
  const bad = r.filter((v) => v.impact === 'serious' || v.impact === 'critical');
  check(bad.length === 0, `${name}: no serious accessibility violations, got ${JSON.stringify(bad)}`);
}

async function setSetting(page, id, value) {
  if (await page.locator('#settings').isHidden()) await page.click('#toggle-settings');
  await page.fill('#' + id, String(value));
  await page.dispatchEvent('#' + id, 'change');
}

async function idle(page, timeout = 60000) {
  await page.waitForFunction(() => !document.getElementById('send').disabled, null, { timeout });
}

const lastAssistant = (page) => page.locator('.msg.assistant').last();

const browser = await chromium.launch({ executablePath: env('CHROMIUM'), headless: true,
                                        args: ['--no-sandbox', '--disable-gpu', '--disable-dev-shm-usage'] });
try {
  const ctx = await browser.newContext({ viewport: { width: 1280, height: 860 }, acceptDownloads: true });
  const page = watch(await ctx.newPage());

  await step('chat page loads and lists the models', async () => {
    await page.goto(BASE + '/');
    await page.waitForSelector('body[data-ready="true"]');
    const options = await page.locator('#model-select option').allTextContents();
    check(options.includes(MODEL_A) && options.includes(MODEL_B), 'both models listed: ' + options);
    await page.selectOption('#model-select', MODEL_A);
    page.assertNoErrors();
  });

  await step('a reply streams in token by token', async () => {
    await setSetting(page, 'set-max-tokens', 160);
    await page.evaluate(() => {
      window.__lens = [];
      new MutationObserver(() => {
        const a = [...document.querySelectorAll('.msg.assistant .answer')].at(-1);
        if (a) window.__lens.push(a.textContent.length);
      }).observe(document.getElementById('messages'), { subtree: true, childList: true, characterData: true });
    });
    await page.fill('#prompt', 'Hello there');
    await page.press('#prompt', 'Enter');  // Enter sends
    await idle(page);
    const lens = await page.evaluate(() => window.__lens);
    const distinct = [...new Set(lens)].filter((n) => n > 0);
    check(distinct.length >= 3, `the reply grew in several steps, lengths seen: ${distinct.slice(0, 20)}`);
    const stats = await lastAssistant(page).locator('.msg-stats').textContent();
    // As below: a sampled end token may end the reply before the 160-token limit.
    const sm = stats.match(/(\d+) tokens · [\d.]+ tok\/s.*· (length|stop) ·/);
    check(sm && ((sm[1] === '160' && sm[2] === 'length') || (Number(sm[1]) >= 3 && Number(sm[1]) < 160 && sm[2] === 'stop')),
          'stats line: ' + stats);
    check((await page.locator('.msg').count()) === 2, 'one user + one assistant message');
    await page.screenshot({ path: path.join(ARTIFACTS, 'chat-reply.png') });
    page.assertNoErrors();
  });

  await step('Shift+Enter adds a newline instead of sending', async () => {
    await page.fill('#prompt', 'line one');
    await page.press('#prompt', 'Shift+Enter');
    await page.type('#prompt', 'line two');
    check((await page.inputValue('#prompt')) === 'line one\nline two', 'newline kept');
    check((await page.locator('.msg').count()) === 2, 'nothing sent');
    await page.fill('#prompt', '');
  });

  await step('regenerate replaces the last reply', async () => {
    const before = await lastAssistant(page).locator('.answer').textContent();
    await page.click('.regen-btn');
    await idle(page);
    check((await page.locator('.msg').count()) === 2, 'still two messages');
    const after = await lastAssistant(page).locator('.answer').textContent();
    check(after.length > 0 && after !== before, 'a new reply');
    page.assertNoErrors();
  });

  await step('edit and resend truncates and regenerates', async () => {
    await page.click('.msg.user .edit-btn');
    await page.fill('.edit-area', 'Edited question');
    await page.click('.edit-send');
    await idle(page);
    check((await page.locator('.msg').count()) === 2, 'two messages after the edit');
    check((await page.locator('.msg.user .msg-body').textContent()).trim() === 'Edited question', 'edited text kept');
    page.assertNoErrors();
  });

  await step('Esc stops a reply mid-stream and the server frees it', async () => {
    await setSetting(page, 'set-max-tokens', 1800);
    await page.fill('#prompt', 'Tell me a long story');
    await page.press('#prompt', 'Enter');
    await page.waitForFunction(() => {
      const a = [...document.querySelectorAll('.msg.assistant .answer')].at(-1);
      return a && a.textContent.length > 30;
    });
    const during = await status(BASE);
    check(during.running >= 1, 'the server runs the request while it streams: ' + during.running);
    await page.keyboard.press('Escape');
    await idle(page, 10000);
    const stats = await lastAssistant(page).locator('.msg-stats').textContent();
    check(/stopped/.test(stats), 'stats say stopped: ' + stats);
    const m = stats.match(/(\d+) tokens/);
    check(m && Number(m[1]) < 1800, 'stopped before max_tokens: ' + stats);
    let running = during.running;
    for (let i = 0; i < 50 && running > 0; i++) {
      await new Promise((r) => setTimeout(r, 100));
      running = (await status(BASE)).running;
    }
    check(running === 0, 'running count returned to 0, is ' + running);
    await page.screenshot({ path: path.join(ARTIFACTS, 'chat-stopped.png') });
    page.assertNoErrors();
  });

  await step('switching models sends to the other model', async () => {
    await setSetting(page, 'set-max-tokens', 24);
    await page.selectOption('#model-select', MODEL_B);
    await page.fill('#prompt', 'And you, other model?');
    await page.click('#send');
    await idle(page);
    const stats = await lastAssistant(page).locator('.msg-stats').textContent();
    check(stats.includes(MODEL_B), 'the reply came from ' + MODEL_B + ': ' + stats);
    const states = await modelStates(BASE);
    check(states[MODEL_B] === 'loaded', 'the server loaded ' + MODEL_B + ': ' + JSON.stringify(states));
    page.assertNoErrors();
  });

  await step('reload finds the conversation and the model', async () => {
    await page.reload();
    await page.waitForSelector('body[data-ready="true"]');
    check((await page.locator('.msg').count()) === 6, 'six messages after reload');
    const titles = await page.locator('.conv-open').allTextContents();
    check(titles.some((t) => t.includes('Hello there')), 'listed: ' + titles);
    check((await page.inputValue('#model-select')) === MODEL_B, 'model restored');
    page.assertNoErrors();
  });

  await step('export downloads the conversations as JSON', async () => {
    const [download] = await Promise.all([page.waitForEvent('download'), page.click('#export-json')]);
    const file = path.join(ARTIFACTS, 'export.json');
    await download.saveAs(file);
    const j = JSON.parse(fs.readFileSync(file, 'utf8'));
    check(j.conversations.length >= 1 && j.conversations[0].messages.length === 6, 'six messages exported');
    page.assertNoErrors();
  });

  await step('model output is text: markdown, code highlighting, reasoning collapsed, no HTML', async () => {
    const evil = {
      id: 'xss', title: 'Rendering', model: MODEL_A, updated: Date.now(),
      messages: [
        { role: 'user', content: '<img src=x onerror="window.__xss=1">' },
        { role: 'assistant', content: '<think>secret plan <b>x</b></think>Here is **bold**, `code` and ' +
          '[a link](https://example.com).\n\n<img src=x onerror="window.__xss=2"><script>window.__xss=3</script>' +
          '\n\n```python\ndef f(x):\n    return "s" + 1  # note\n```\n\n- one\n- two\n\n[bad](javascript:alert(1))',
          stats: { tokens: 42, tok_s: 12.5, ttft_ms: 80, finish: 'stop', model: MODEL_A } },
      ],
    };
    await page.evaluate((c) => {
      const all = JSON.parse(localStorage.getItem('vllm-cpp.conversations'));
      localStorage.setItem('vllm-cpp.conversations', JSON.stringify([c, ...all]));
      localStorage.setItem('vllm-cpp.conversations.current', c.id);
    }, evil);
    await page.reload();
    await page.waitForSelector('body[data-ready="true"]');
    check((await page.evaluate(() => window.__xss)) === undefined, 'no injected script ran');
    check((await page.locator('#messages img, #messages script, #messages b').count()) === 0, 'no HTML elements from text');
    check((await page.locator('#messages strong', { hasText: /^bold$/ }).count()) === 1, 'bold rendered');
    check((await page.locator('.code-block .tok-keyword').count()) >= 2, 'keywords highlighted');
    check((await page.locator('.code-block .tok-string').count()) >= 1, 'strings highlighted');
    check((await page.locator('.code-block .tok-comment').count()) === 1, 'comment highlighted');
    check((await page.locator('#messages li').count()) === 2, 'list rendered');
    check((await page.locator('#messages a[href^="javascript"]').count()) === 0, 'no javascript: links');
    check((await page.locator('#messages a[href="https://example.com"]').count()) === 1, 'http(s) link kept');
    const det = page.locator('details.thinking');
    check((await det.count()) === 1 && !(await det.evaluate((d) => d.open)), 'reasoning collapsed');
    check((await det.locator('.thinking-body').textContent()).includes('secret plan <b>x</b>'), 'reasoning kept as text');
    check((await page.locator('.msg.user .msg-body').textContent()).includes('<img src=x'), 'user text shown literally');
    await page.screenshot({ path: path.join(ARTIFACTS, 'chat-markdown.png'), fullPage: true });
    await axeCheck(page, 'chat');
    page.assertNoErrors();
  });

  await step('phone width: nothing overflows, panels toggle', async () => {
    const phone = await browser.newContext({ viewport: { width: 390, height: 844 }, isMobile: true, hasTouch: true });
    const p = watch(await phone.newPage());
    await p.goto(BASE + '/');
    await p.waitForSelector('body[data-ready="true"]');
    check(await p.locator('#sidebar').isHidden(), 'sidebar folded on a phone');
    const overflow = await p.evaluate(() => document.documentElement.scrollWidth - window.innerWidth);
    check(overflow <= 1, 'no horizontal scrolling, overflow ' + overflow);
    await p.fill('#prompt', 'Hi from a phone');
    await p.click('#send');
    await p.waitForFunction(() => !document.getElementById('send').disabled, null, { timeout: 60000 });
    await p.screenshot({ path: path.join(ARTIFACTS, 'chat-phone.png') });
    await p.click('#toggle-sidebar');
    check(await p.locator('#sidebar').isVisible(), 'sidebar opens');
    await p.screenshot({ path: path.join(ARTIFACTS, 'chat-phone-sidebar.png') });
    await axeCheck(p, 'chat-phone');
    p.assertNoErrors();
    await phone.close();
  });

  await step('dashboard numbers move under load', async () => {
    const d = watch(await ctx.newPage());
    await d.goto(BASE + '/dashboard');
    await d.waitForFunction(() => Number(document.body.dataset.samples || 0) >= 2, null, { timeout: 15000 });
    const info = await d.locator('#info-list').textContent();
    check(info.includes(MODEL_A) && /cpu /.test(info) && /MiB|GiB/.test(info), 'model, backend and memory shown: ' + info);
    // Load: four streams of many tokens, read to the end.
    const load = [0, 1, 2, 3].map(async (i) => {
      const r = await fetch(BASE + '/v1/chat/completions', {
        method: 'POST', headers: { 'Content-Type': 'application/json' },
        body: JSON.stringify({ model: MODEL_A, messages: [{ role: 'user', content: 'load ' + i }], max_tokens: 700,
                               ignore_eos: true, stream: true }),
      });
      await r.text();
    });
    const card = (m) => d.locator(`.card[data-metric="${m}"] .card-value`).textContent();
    let sawRunning = 0, sawGen = 0;
    for (let i = 0; i < 100 && !(sawRunning > 0 && sawGen > 0); i++) {
      await new Promise((r) => setTimeout(r, 200));
      sawRunning = Math.max(sawRunning, parseFloat(await card('running')));
      sawGen = Math.max(sawGen, parseFloat((await card('gen-tok-s')).replace(/,/g, '')));
    }
    check(sawRunning > 0, 'running moved above 0');
    check(sawGen > 0, 'generation tok/s moved above 0');
    await new Promise((r) => setTimeout(r, 1500));
    await d.screenshot({ path: path.join(ARTIFACTS, 'dashboard-load.png'), fullPage: true });
    await Promise.all(load);
    await d.waitForFunction(() => {
      const c = document.querySelector('.card[data-metric="running"] .card-value');
      return c && c.textContent === '0';
    }, null, { timeout: 15000 });
    const ttft = await card('ttft');
    check(/^\d/.test(ttft) && !ttft.startsWith('0 /'), 'TTFT percentiles shown: ' + ttft);
    check((await d.locator('figure.chart').count()) === 6, 'six charts');
    const genPath = await d.locator('figure[data-chart="throughput"] path[data-series="generation"]').getAttribute('d');
    check(genPath && genPath.split('L').length > 3, 'the generation series has points');
    await axeCheck(d, 'dashboard');
    d.assertNoErrors();
    await d.close();
  });

  await ctx.close();

  await step('with --api-key the page asks for the key once', async () => {
    const kctx = await browser.newContext({ viewport: { width: 1280, height: 860 } });
    // The 401s that make the page ask are expected console messages.
    const k = watch(await kctx.newPage(), (t) => /status of 401/.test(t));
    await k.goto(KEY_BASE + '/');
    await k.waitForSelector('#key-dialog[open]', { timeout: 10000 });
    await k.screenshot({ path: path.join(ARTIFACTS, 'key-prompt.png') });
    await axeCheck(k, 'key-dialog');
    await k.fill('#key-input', 'wrong-key');
    await k.click('#key-submit');
    await k.waitForFunction(() => /401/.test(document.getElementById('key-error').textContent));
    await k.fill('#key-input', API_KEY);
    await k.click('#key-submit');
    await k.waitForSelector('body[data-ready="true"]', { timeout: 10000 });
    check(!(await k.locator('#key-dialog').evaluate((e) => e.open)), 'dialog closed');
    check((await k.locator('#model-select option').count()) >= 1, 'models listed with the key');
    await setSetting(k, 'set-max-tokens', 16);
    await k.fill('#prompt', 'Hello with a key');
    await k.press('#prompt', 'Enter');
    await idle(k);
    const stats = await lastAssistant(k).locator('.msg-stats').textContent();
    // Sampled at the page's temperature, the random-weight model may draw its end token early:
    // either the 16-token limit or a stop before it shows the keyed request was served.
    const m = stats.match(/(\d+) tokens.*· (length|stop) ·/);
    check(m && ((m[1] === '16' && m[2] === 'length') || (Number(m[1]) >= 1 && Number(m[1]) < 16 && m[2] === 'stop')),
          'reply with the key: ' + stats);
    // Same tab, other page: the key is remembered, not asked again.
    await k.goto(KEY_BASE + '/dashboard');
    await k.waitForFunction(() => Number(document.body.dataset.samples || 0) >= 1, null, { timeout: 10000 });
    check(!(await k.locator('#key-dialog').evaluate((e) => e.open)), 'not asked again');
    const html = await k.content();
    check(!html.includes(API_KEY), 'the key is not in the page');
    k.assertNoErrors();
    await kctx.close();
  });
} finally {
  await browser.close();
}
console.log(`${results.length - failures} passed, ${failures} failed`);
process.exit(failures ? 1 : 0);
