// Shared by the chat page and the dashboard: the API key (asked once, kept in this tab's
// sessionStorage, never in the page's source), fetch with auth, and a DOM builder that only
// ever sets text (model output is never parsed as HTML).
const KEY_STORE = 'vllm-cpp.api-key';

export function el(tag, attrs = {}, ...children) {
  const node = document.createElement(tag);
  for (const [k, v] of Object.entries(attrs)) {
    if (v === undefined || v === null || v === false) continue;
    if (k === 'class') node.className = v;
    else if (k === 'text') node.textContent = v;
    else if (k.startsWith('on')) node.addEventListener(k.slice(2), v);
    else node.setAttribute(k, v === true ? '' : String(v));
  }
  for (const c of children) {
    if (c === null || c === undefined || c === false) continue;
    node.append(c instanceof Node ? c : document.createTextNode(String(c)));
  }
  return node;
}

export function apiKey() { return sessionStorage.getItem(KEY_STORE) || ''; }
export function forgetKey() { sessionStorage.removeItem(KEY_STORE); }

function authHeaders(extra = {}) {
  const h = { ...extra };
  const key = apiKey();
  if (key) h.Authorization = 'Bearer ' + key;
  return h;
}

// Shows the key dialog until a key is accepted by `probe` (a function that returns the
// HTTP status of an authenticated request).
export async function askForKey(probe, message = '') {
  const dialog = document.getElementById('key-dialog');
  const input = document.getElementById('key-input');
  const error = document.getElementById('key-error');
  error.textContent = message;
  for (;;) {
    input.value = '';
    if (!dialog.open) dialog.showModal();
    input.focus();
    await new Promise((resolve) => dialog.addEventListener('close', resolve, { once: true }));
    const key = input.value.trim();
    if (!key) { error.textContent = 'Enter the key the server was started with.'; continue; }
    sessionStorage.setItem(KEY_STORE, key);
    const status = await probe();
    if (status !== 401) return;
    forgetKey();
    error.textContent = 'The server refused this key (401).';
  }
}

// fetch() with the key; a 401 asks for the key once and retries.
export async function apiFetch(path, options = {}, retry = true) {
  const res = await fetch(path, { ...options, headers: authHeaders(options.headers) });
  if (res.status === 401 && retry) {
    await askForKey(async () => (await fetch('/v1/models', { headers: authHeaders() })).status,
                    apiKey() ? 'The server refused the stored key (401).' : '');
    return apiFetch(path, options, false);
  }
  return res;
}

export async function errorText(res) {
  try {
    const j = await res.json();
    if (j && j.error) return (j.error.message || JSON.stringify(j.error));
    return JSON.stringify(j);
  } catch {
    return res.status + ' ' + res.statusText;
  }
}

// Splits an SSE byte stream into `data:` payloads; onData(string) for each frame.
export async function readSse(body, onData) {
  const reader = body.getReader();
  const decoder = new TextDecoder();
  let buf = '';
  for (;;) {
    const { value, done } = await reader.read();
    if (done) break;
    buf += decoder.decode(value, { stream: true });
    let cut;
    while ((cut = buf.indexOf('\n\n')) >= 0) {
      const frame = buf.slice(0, cut);
      buf = buf.slice(cut + 2);
      const data = frame.split('\n').filter((l) => l.startsWith('data:')).map((l) => l.slice(5).trimStart()).join('\n');
      if (data) onData(data);
    }
  }
}
