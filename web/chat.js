// The chat page: conversations in localStorage, replies streamed from our own
// /v1/chat/completions (SSE), rendered as markdown built from text nodes only.
import { el, apiFetch, errorText, readSse, forgetKey } from './common.js';
import { renderMarkdown, splitThinking } from './markdown.js';

const STORE = 'vllm-cpp.conversations';
const SETTINGS = 'vllm-cpp.settings';
const DEFAULTS = { system: '', temperature: 0.7, top_p: 0.95, top_k: -1, max_tokens: 512 };
const $ = (id) => document.getElementById(id);

const state = {
  conversations: [],  // [{id, title, model, messages: [{role, content, reasoning, stats}], updated}]
  currentId: null,
  settings: { ...DEFAULTS },
  models: [],
  controller: null,   // AbortController of the stream in flight
};

function load() {
  try { state.conversations = JSON.parse(localStorage.getItem(STORE) || '[]'); } catch { state.conversations = []; }
  if (!Array.isArray(state.conversations)) state.conversations = [];
  try { state.settings = { ...DEFAULTS, ...JSON.parse(localStorage.getItem(SETTINGS) || '{}') }; } catch { /* defaults */ }
  state.currentId = localStorage.getItem(STORE + '.current');
  if (!state.conversations.some((c) => c.id === state.currentId)) state.currentId = state.conversations[0]?.id ?? null;
}

function save() {
  localStorage.setItem(STORE, JSON.stringify(state.conversations));
  if (state.currentId) localStorage.setItem(STORE + '.current', state.currentId);
}

function current() {
  let c = state.conversations.find((x) => x.id === state.currentId);
  if (!c) {
    c = { id: crypto.randomUUID ? crypto.randomUUID() : String(Date.now()) + Math.random(), title: 'New chat',
          model: $('model-select').value, messages: [], updated: Date.now() };
    state.conversations.unshift(c);
    state.currentId = c.id;
  }
  return c;
}

function setStatus(text, isError = false) {
  const s = $('status-line');
  s.textContent = text;
  s.classList.toggle('error', isError);
}

// ---- models -------------------------------------------------------------------------
async function loadModels() {
  const res = await apiFetch('/v1/models');
  if (!res.ok) { setStatus('Could not list models: ' + await errorText(res), true); return; }
  const body = await res.json();
  state.models = (body.data || []).map((m) => m.id);
  const select = $('model-select');
  select.replaceChildren(...state.models.map((id) => el('option', { value: id, text: id })));
  const c = state.conversations.find((x) => x.id === state.currentId);
  if (c && state.models.includes(c.model)) select.value = c.model;
}

// ---- rendering ----------------------------------------------------------------------
function renderList() {
  const list = $('conversation-list');
  list.replaceChildren(...state.conversations.map((c) => {
    const open = el('button', { type: 'button', class: 'conv-open', text: c.title || 'New chat',
                                'aria-current': c.id === state.currentId ? 'true' : null,
                                onclick: () => selectConversation(c.id) });
    const del = el('button', { type: 'button', class: 'conv-delete', 'aria-label': 'Delete ' + (c.title || 'chat'),
                               text: '\u00d7', onclick: () => deleteConversation(c.id) });
    return el('li', { class: c.id === state.currentId ? 'active' : '' }, open, del);
  }));
}

function messageBody(m) {
  const body = el('div', { class: 'msg-body' });
  if (m.role !== 'assistant') { body.append(el('p', { class: 'plain', text: m.content })); return body; }
  const parts = splitThinking(m.content || '');
  const thinking = [m.reasoning || '', parts.thinking].filter(Boolean).join('\n');
  if (thinking) {
    const det = el('details', { class: 'thinking' }, el('summary', { text: parts.open ? 'Thinking\u2026' : 'Reasoning' }));
    det.append(el('div', { class: 'thinking-body' }, renderMarkdown(thinking)));
    body.append(det);
  }
  body.append(el('div', { class: 'answer' }, renderMarkdown(parts.answer)));
  if (m.error) body.append(el('p', { class: 'error', role: 'alert', text: m.error }));
  return body;
}

function statsLine(m) {
  if (!m.stats) return null;
  const s = m.stats;
  const bits = [`${s.tokens} tokens`];
  if (s.tok_s) bits.push(`${s.tok_s.toFixed(1)} tok/s`);
  if (s.ttft_ms !== undefined) bits.push(`TTFT ${Math.round(s.ttft_ms)} ms`);
  if (s.finish) bits.push(s.finish);
  if (s.model) bits.push(s.model);
  return el('div', { class: 'msg-stats', text: bits.join(' \u00b7 ') });
}

function messageNode(m, index, conv) {
  const busy = !!state.controller;
  const isLast = index === conv.messages.length - 1;
  const actions = el('div', { class: 'msg-actions' });
  if (m.role === 'user') {
    actions.append(el('button', { type: 'button', class: 'edit-btn', text: 'Edit', disabled: busy,
                                  onclick: () => startEdit(index) }));
  } else if (isLast) {
    actions.append(el('button', { type: 'button', class: 'regen-btn', text: 'Regenerate', disabled: busy,
                                  onclick: () => regenerate() }));
  }
  return el('article', { class: 'msg ' + m.role, 'data-index': index, 'aria-label': m.role === 'user' ? 'You' : 'Assistant' },
            el('div', { class: 'msg-role', text: m.role === 'user' ? 'You' : 'Assistant' }),
            messageBody(m), statsLine(m), actions);
}

function renderMessages() {
  const box = $('messages');
  const conv = state.conversations.find((x) => x.id === state.currentId);
  if (!conv || conv.messages.length === 0) {
    box.replaceChildren(el('p', { class: 'empty', text: 'Start a conversation: type a message below.' }));
    return;
  }
  box.replaceChildren(...conv.messages.map((m, i) => messageNode(m, i, conv)));
  box.scrollTop = box.scrollHeight;
}

// While streaming, only the last message is redrawn (once per animation frame).
let redrawPending = false;
function redrawLast(conv) {
  if (redrawPending) return;
  redrawPending = true;
  requestAnimationFrame(() => {
    redrawPending = false;
    const box = $('messages');
    const i = conv.messages.length - 1;
    const node = box.querySelector(`article[data-index="${i}"]`);
    const fresh = messageNode(conv.messages[i], i, conv);
    fresh.dataset.streaming = state.controller ? 'true' : 'false';
    const nearBottom = box.scrollHeight - box.scrollTop - box.clientHeight < 80;
    if (node) node.replaceWith(fresh); else box.append(fresh);
    if (nearBottom) box.scrollTop = box.scrollHeight;
  });
}

function setBusy(busy) {
  $('send').disabled = busy;
  $('stop').disabled = !busy;
  $('model-select').disabled = busy;
}

// ---- generation ---------------------------------------------------------------------
function requestBody(conv) {
  const s = state.settings;
  const messages = [];
  if (s.system.trim()) messages.push({ role: 'system', content: s.system });
  for (const m of conv.messages.slice(0, -1)) {
    if (m.role === 'assistant' && m.error && !m.content) continue;
    messages.push({ role: m.role, content: m.role === 'assistant' ? splitThinking(m.content).answer : m.content });
  }
  const body = { model: conv.model, messages, stream: true, stream_options: { include_usage: true },
                 temperature: Number(s.temperature), top_p: Number(s.top_p), max_tokens: Number(s.max_tokens) };
  if (Number(s.top_k) > 0) body.top_k = Number(s.top_k);
  return body;
}

async function generate() {
  const conv = current();
  conv.model = $('model-select').value || conv.model;
  const reply = { role: 'assistant', content: '', reasoning: '' };
  conv.messages.push(reply);
  state.controller = new AbortController();
  setBusy(true);
  renderMessages();
  setStatus('Generating\u2026');
  const t0 = performance.now();
  let tFirst = null, tLast = null, chunks = 0, usage = null, finish = null;
  try {
    const res = await apiFetch('/v1/chat/completions', {
      method: 'POST', headers: { 'Content-Type': 'application/json' },
      body: JSON.stringify(requestBody(conv)), signal: state.controller.signal,
    });
    if (!res.ok) throw new Error(await errorText(res));
    await readSse(res.body, (data) => {
      if (data === '[DONE]') return;
      const j = JSON.parse(data);
      if (j.error) throw new Error(j.error.message || 'stream error');
      if (j.usage) usage = j.usage;
      const choice = j.choices && j.choices[0];
      if (!choice) return;
      const d = choice.delta || {};
      const piece = (d.content || '') + (d.reasoning_content || '');
      if (piece) {
        if (tFirst === null) tFirst = performance.now();
        tLast = performance.now();
        chunks++;
      }
      if (d.content) reply.content += d.content;
      if (d.reasoning_content) reply.reasoning += d.reasoning_content;
      if (choice.finish_reason) finish = choice.finish_reason;
      redrawLast(conv);
    });
    setStatus('');
  } catch (e) {
    if (e.name === 'AbortError') { finish = 'stopped'; setStatus('Stopped.'); }
    else { reply.error = String(e.message || e); setStatus(reply.error, true); }
  } finally {
    const tokens = usage ? usage.completion_tokens : chunks;
    const decode_s = tFirst !== null && tLast > tFirst ? (tLast - tFirst) / 1000 : 0;
    reply.stats = { tokens, tok_s: decode_s > 0 && tokens > 1 ? (tokens - 1) / decode_s : 0,
                     ttft_ms: tFirst !== null ? tFirst - t0 : undefined, finish, model: conv.model };
    state.controller = null;
    conv.updated = Date.now();
    if (conv.title === 'New chat' && conv.messages[0]) conv.title = conv.messages[0].content.slice(0, 40);
    save();
    setBusy(false);
    renderList();
    renderMessages();
  }
}

function send() {
  const box = $('prompt');
  const text = box.value.trim();
  if (!text || state.controller) return;
  const conv = current();
  conv.messages.push({ role: 'user', content: text });
  if (conv.title === 'New chat') conv.title = text.slice(0, 40);
  box.value = '';
  save();
  renderList();
  generate();
}

function stop() { if (state.controller) state.controller.abort(); }

function regenerate() {
  const conv = current();
  if (state.controller || conv.messages.at(-1)?.role !== 'assistant') return;
  conv.messages.pop();
  generate();
}

function startEdit(index) {
  const conv = current();
  const node = $('messages').querySelector(`article[data-index="${index}"]`);
  const area = el('textarea', { class: 'edit-area', rows: 3, 'aria-label': 'Edit message' });
  area.value = conv.messages[index].content;
  const saveBtn = el('button', { type: 'button', class: 'edit-send', text: 'Save & send', onclick: () => {
    const text = area.value.trim();
    if (!text) return;
    conv.messages = conv.messages.slice(0, index);
    conv.messages.push({ role: 'user', content: text });
    save();
    generate();
  } });
  const cancel = el('button', { type: 'button', text: 'Cancel', onclick: renderMessages });
  node.querySelector('.msg-body').replaceWith(el('div', { class: 'msg-body' }, area, el('div', { class: 'edit-buttons' }, saveBtn, cancel)));
  node.querySelector('.msg-actions').replaceChildren();
  area.focus();
}

function selectConversation(id) {
  if (state.controller) return;
  state.currentId = id;
  const c = current();
  if (state.models.includes(c.model)) $('model-select').value = c.model;
  save();
  renderList();
  renderMessages();
  closeSidebarOnPhone();
}

function deleteConversation(id) {
  if (state.controller) return;
  state.conversations = state.conversations.filter((c) => c.id !== id);
  if (state.currentId === id) state.currentId = state.conversations[0]?.id ?? null;
  save();
  renderList();
  renderMessages();
}

function newChat() {
  if (state.controller) return;
  state.currentId = null;
  current();
  save();
  renderList();
  renderMessages();
  $('prompt').focus();
  closeSidebarOnPhone();
}

function exportJson() {
  const blob = new Blob([JSON.stringify({ exported: new Date().toISOString(), conversations: state.conversations }, null, 2)],
                        { type: 'application/json' });
  const a = el('a', { href: URL.createObjectURL(blob), download: 'vllm-cpp-conversations.json' });
  document.body.append(a);
  a.click();
  a.remove();
  setTimeout(() => URL.revokeObjectURL(a.href), 1000);
}

// ---- settings -----------------------------------------------------------------------
const FIELDS = { system: 'set-system', temperature: 'set-temperature', top_p: 'set-top-p', top_k: 'set-top-k',
                 max_tokens: 'set-max-tokens' };
function showSettings() {
  for (const [k, id] of Object.entries(FIELDS)) $(id).value = state.settings[k];
}
function bindSettings() {
  for (const [k, id] of Object.entries(FIELDS)) {
    $(id).addEventListener('change', () => {
      state.settings[k] = k === 'system' ? $(id).value : Number($(id).value);
      localStorage.setItem(SETTINGS, JSON.stringify(state.settings));
    });
  }
  $('reset-settings').addEventListener('click', () => {
    state.settings = { ...DEFAULTS };
    localStorage.setItem(SETTINGS, JSON.stringify(state.settings));
    showSettings();
  });
}

function toggle(buttonId, panelId, show) {
  const panel = $(panelId);
  const open = show ?? panel.hidden;
  panel.hidden = !open;
  $(buttonId).setAttribute('aria-expanded', String(open));
}
function closeSidebarOnPhone() { if (window.matchMedia('(max-width: 700px)').matches) toggle('toggle-sidebar', 'sidebar', false); }

// ---- wiring -------------------------------------------------------------------------
function bind() {
  $('composer').addEventListener('submit', (e) => { e.preventDefault(); send(); });
  $('prompt').addEventListener('keydown', (e) => {
    if (e.key === 'Enter' && !e.shiftKey && !e.isComposing) { e.preventDefault(); send(); }
  });
  document.addEventListener('keydown', (e) => { if (e.key === 'Escape' && state.controller) { e.preventDefault(); stop(); } });
  $('stop').addEventListener('click', stop);
  $('new-chat').addEventListener('click', newChat);
  $('export-json').addEventListener('click', exportJson);
  $('forget-key').addEventListener('click', () => { forgetKey(); setStatus('API key forgotten for this tab.'); });
  $('model-select').addEventListener('change', () => {
    const c = state.conversations.find((x) => x.id === state.currentId);
    if (c) { c.model = $('model-select').value; save(); }
  });
  $('toggle-sidebar').addEventListener('click', () => toggle('toggle-sidebar', 'sidebar'));
  $('toggle-settings').addEventListener('click', () => toggle('toggle-settings', 'settings'));
  bindSettings();
}

async function main() {
  load();
  bind();
  showSettings();
  if (window.matchMedia('(max-width: 700px)').matches) toggle('toggle-sidebar', 'sidebar', false);
  else $('toggle-sidebar').setAttribute('aria-expanded', 'true');
  renderList();
  renderMessages();
  await loadModels();
  document.body.dataset.ready = 'true';
}

main();
