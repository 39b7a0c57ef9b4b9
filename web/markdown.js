// A small markdown renderer that builds DOM nodes directly: every piece of model text ends
// up in a text node, so nothing the model writes is ever interpreted as HTML (no XSS).
// Supports fenced code (with highlighting), headings, lists, quotes, paragraphs, inline
// code, bold, italic and http(s) links; anything else stays literal text.
import { el } from './common.js';

const KEYWORDS = new Set((
  'if else for while do return break continue switch case default function def class struct ' +
  'const let var import from export as new delete try catch finally throw raise with yield async await ' +
  'public private protected static void int float double char bool auto template typename namespace using ' +
  'fn pub mut impl trait enum match loop use mod self Self this true false null None True False nil lambda ' +
  'in is not and or pass elif package go func type interface map chan select defer echo local').split(' '));

// One regex, alternatives in priority order: comment, string, number, word.
const TOKEN = /(\/\/[^\n]*|#[^\n]*|\/\*[\s\S]*?\*\/|--[^\n]*)|("(?:\\.|[^"\\\n])*"|'(?:\\.|[^'\\\n])*'|`(?:\\.|[^`\\])*`)|(\b\d[\d_]*(?:\.\d+)?(?:e[+-]?\d+)?\b)|([A-Za-z_][\w]*)/g;

export function highlight(code, lang) {
  const frag = document.createDocumentFragment();
  const hashComments = /^(py|python|sh|bash|shell|rb|ruby|yaml|yml|toml|r|perl|make|cmake|dockerfile)$/i.test(lang || '');
  const dashComments = /^(sql|lua|haskell|hs)$/i.test(lang || '');
  let last = 0;
  for (const m of code.matchAll(TOKEN)) {
    let cls = null;
    if (m[1]) {
      const c = m[1];
      if ((c.startsWith('#') && !hashComments) || (c.startsWith('--') && !dashComments)) continue;
      cls = 'tok-comment';
    } else if (m[2]) cls = 'tok-string';
    else if (m[3]) cls = 'tok-number';
    else if (m[4] && KEYWORDS.has(m[4])) cls = 'tok-keyword';
    if (!cls) continue;
    if (m.index < last) continue;
    frag.append(code.slice(last, m.index));
    frag.append(el('span', { class: cls, text: m[0] }));
    last = m.index + m[0].length;
  }
  frag.append(code.slice(last));
  return frag;
}

const INLINE = /(`+)([\s\S]*?[^`])\1(?!`)|\*\*([^*\n]+)\*\*|__([^_\n]+)__|\*([^*\n]+)\*|(?<![\w])_([^_\n]+)_(?![\w])|\[([^\]\n]+)\]\((https?:\/\/[^)\s]+)\)|(https?:\/\/[^\s<>()]+[^\s<>().,;:!?'"])/g;

export function renderInline(text, parent) {
  let last = 0;
  for (const m of text.matchAll(INLINE)) {
    parent.append(text.slice(last, m.index));
    if (m[2] !== undefined) parent.append(el('code', { text: m[2] }));
    else if (m[3] !== undefined || m[4] !== undefined) renderInline(m[3] ?? m[4], parent.appendChild(el('strong')));
    else if (m[5] !== undefined || m[6] !== undefined) renderInline(m[5] ?? m[6], parent.appendChild(el('em')));
    else if (m[7] !== undefined) parent.append(el('a', { href: m[8], target: '_blank', rel: 'noopener noreferrer', text: m[7] }));
    else if (m[9] !== undefined) parent.append(el('a', { href: m[9], target: '_blank', rel: 'noopener noreferrer', text: m[9] }));
    last = m.index + m[0].length;
  }
  parent.append(text.slice(last));
  return parent;
}

function codeBlock(lang, lines) {
  const code = lines.join('\n');
  const pre = el('pre', { class: 'code-block' });
  const head = el('div', { class: 'code-head' }, el('span', { text: lang || 'text' }));
  const copy = el('button', { type: 'button', class: 'copy-btn', text: 'Copy', 'aria-label': 'Copy code' });
  copy.addEventListener('click', () => navigator.clipboard?.writeText(code));
  head.append(copy);
  const c = el('code', lang ? { 'data-lang': lang } : {});
  c.append(highlight(code, lang));
  pre.append(c);
  return el('div', { class: 'code-wrap' }, head, pre);
}

// Renders markdown source into a fragment. An unclosed code fence (still streaming) is
// rendered as code so far.
export function renderMarkdown(src) {
  const out = document.createDocumentFragment();
  const lines = src.replace(/\r\n?/g, '\n').split('\n');
  let para = [];
  const flush = () => {
    if (para.length) out.append(renderInline(para.join('\n'), el('p')));
    para = [];
  };
  for (let i = 0; i < lines.length; i++) {
    const line = lines[i];
    const fence = line.match(/^\s*(```+|~~~+)\s*([\w+#.-]*)\s*$/);
    if (fence) {
      flush();
      const body = [];
      let j = i + 1;
      while (j < lines.length && !lines[j].trimStart().startsWith(fence[1])) body.push(lines[j++]);
      out.append(codeBlock(fence[2], body));
      i = j;
      continue;
    }
    const heading = line.match(/^(#{1,6})\s+(.*)$/);
    if (heading) {
      flush();
      // Rendered one level below the page's own headings.
      out.append(renderInline(heading[2], el('h' + Math.min(6, heading[1].length + 2))));
      continue;
    }
    const item = line.match(/^(\s*)([-*+]|\d+[.)])\s+(.*)$/);
    if (item) {
      flush();
      const ordered = /\d/.test(item[2]);
      const list = el(ordered ? 'ol' : 'ul');
      let j = i;
      while (j < lines.length) {
        const m = lines[j].match(/^(\s*)([-*+]|\d+[.)])\s+(.*)$/);
        if (!m || /\d/.test(m[2]) !== ordered) break;
        list.append(renderInline(m[3], el('li')));
        j++;
      }
      out.append(list);
      i = j - 1;
      continue;
    }
    if (line.startsWith('>')) {
      flush();
      const quoted = [];
      let j = i;
      while (j < lines.length && lines[j].startsWith('>')) quoted.push(lines[j++].replace(/^>\s?/, ''));
      out.append(el('blockquote', {}, renderMarkdown(quoted.join('\n'))));
      i = j - 1;
      continue;
    }
    if (/^\s*([-*_])(\s*\1){2,}\s*$/.test(line)) { flush(); out.append(el('hr')); continue; }
    if (!line.trim()) { flush(); continue; }
    para.push(line);
  }
  flush();
  return out;
}

// Splits a reply into reasoning and answer: `<think>...</think>` in the text (models whose
// server has no --reasoning-parser) or the separate reasoning_content the server streams.
export function splitThinking(text) {
  const open = text.indexOf('<think>');
  if (open < 0) {
    // Qwen3's template opens <think> in the prompt: the reply starts inside it.
    const close = text.indexOf('</think>');
    if (close >= 0) return { thinking: text.slice(0, close).trim(), answer: text.slice(close + 8), open: false };
    return { thinking: '', answer: text, open: false };
  }
  const close = text.indexOf('</think>', open);
  const before = text.slice(0, open);
  if (close < 0) return { thinking: text.slice(open + 7).trim(), answer: before, open: true };
  return { thinking: text.slice(open + 7, close).trim(), answer: before + text.slice(close + 8), open: false };
}
