"""Construct-by-construct differential test: small templates rendered by transformers' own jinja2
environment (`chat_template_utils._compile_jinja_template`: sandbox, trim_blocks, lstrip_blocks,
transformers' tojson/raise_exception/strftime_now) and by our `render_chat_template` driver.
Outputs must be identical; where jinja2 raises, the driver must fail too (messages may differ,
except raise_exception's, which must be kept verbatim)."""

import json
import os
import pathlib
import subprocess

import pytest

from harness import render_chat_template_driver

transformers = pytest.importorskip("transformers")
from transformers.utils import chat_template_utils  # noqa: E402

REPO = pathlib.Path(__file__).resolve().parents[2]

CTX = {
    "messages": [
        {"role": "system", "content": "  Be brief.  "},
        {"role": "user", "content": "Hi <there> & \"you\""},
        {"role": "assistant", "content": "Hello!", "tool_calls": [{"function": {"name": "f", "arguments": {"b": 1, "a": [1, 2.5, None, True]}}}]},
        {"role": "user", "content": "Ünïcödé 日本 🙂"},
    ],
    "tools": [{"type": "function", "function": {"name": "f", "description": "d", "parameters": {"z": 1, "a": {"y": "x"}}}}],
    "n": 7, "f": 2.5, "s": "Hello World", "empty": "", "lst": [3, 1, 2], "d": {"k2": "v2", "k1": "v1"},
    "none": None, "t": True, "words": ["a", "B", "c", "a"],
    "people": [{"name": "Ann", "age": 31, "tags": ["x"]}, {"name": "bob", "age": 25}, {"name": "Cy", "age": 31, "active": True}],
}

SNIPPETS = [
    # whitespace control, trim_blocks, lstrip_blocks
    "a\n  {% if t %}\n  yes\n  {% endif %}\nb",
    "a  {%- if t -%}  yes  {%- endif -%}  b",
    "{{ 'x' }}\n{{ 'y' }}\n",
    "  {{- s -}}  \n  {{ n }}  ",
    "line1\n    {# comment #}\nline2\n  {#- c2 -#}  line3",
    "x {%+ if t %}y{% endif +%}\nz",
    "{% raw %}{{ not evaluated }}{% endraw %}\n after",
    "a\r\nb\r\n{% if t %}\r\nc{% endif %}\r\n",
    "trailing newline kept once\n\n",
    "{% for m in messages %}\n  - {{ m.role }}\n{% endfor %}\n",
    # if / elif / else
    "{% if n > 10 %}big{% elif n > 5 %}mid{% else %}small{% endif %}",
    "{% if none %}A{% elif empty %}B{% elif lst %}C{% endif %}",
    # for loops and loop variables
    "{% for x in lst %}{{ loop.index }}{{ loop.index0 }}{{ loop.first }}{{ loop.last }}{{ loop.length }}{{ loop.revindex }}{{ loop.revindex0 }},{% endfor %}",
    "{% for x in [] %}a{% else %}empty{% endfor %}",
    "{% for c in 'héllo' %}[{{ c }}]{% endfor %}",
    "{% for k, v in d.items() %}{{ k }}={{ v }};{% endfor %}",
    "{% for k in d %}{{ k }},{% endfor %}",
    "{% for x in lst if x > 1 %}{{ x }}{{ loop.index }}{{ loop.last }}|{% endfor %}",
    "{% for m in messages[::-1] %}{{ m.role }},{% endfor %}",
    "{% for x in lst %}{% if x == 1 %}{% continue %}{% endif %}{{ x }}{% if x == 1 %}{% break %}{% endif %}{% endfor %}",
    "{% for x in lst %}{% if x == 1 %}{% break %}{% endif %}{{ x }}{% endfor %}",
    "{% for x in lst %}{{ loop.previtem }}-{{ loop.nextitem }}|{% endfor %}",
    "{% for x in lst %}{{ loop.cycle('odd', 'even') }}{% endfor %}",
    "{% for a in [[1,2],[3,4]] %}{% for b in a %}{{ loop.index }}{{ b }}{% endfor %};{% endfor %}",
    "{% for x in lst %}{% set y = x * 2 %}{{ y }}{% endfor %}[{{ y }}]",
    # set, namespace, block set
    "{% set x = 5 %}{% set x = x + 1 %}{{ x }}",
    "{% set ns = namespace(total=0, names=[]) %}{% for p in people %}{% set ns.total = ns.total + p.age %}{% endfor %}{{ ns.total }}",
    "{% set a, b = [1, 2] %}{{ a }}{{ b }}",
    "{% set block %}\n  inner {{ n }}\n{% endset %}[{{ block }}]",
    "{% set up | upper %}shout{% endset %}{{ up }}",
    "{% set messages = messages[1:] %}{{ messages | length }}",
    # macros
    "{% macro greet(name, punct='!') %}Hi {{ name }}{{ punct }}{% endmacro %}{{ greet('A') }} {{ greet('B', '?') }} {{ greet(punct='.', name='C') }}",
    "{% macro m(x) %}[{{ x }}|{{ x is defined }}]{% endmacro %}{{ m() }}",
    "{% macro wrap() %}<{{ caller() }}>{% endmacro %}{% call wrap() %}body {{ n }}{% endcall %}",
    "{% macro fact(k) %}{% if k <= 1 %}1{% else %}{{ k * fact(k - 1) | int }}{% endif %}{% endmacro %}{{ fact(5) }}",
    # expressions
    "{{ 7 // 2 }} {{ -7 // 2 }} {{ 7 % 3 }} {{ -7 % 3 }} {{ 7 / 2 }} {{ 6 / 3 }} {{ 2 ** 10 }} {{ 1 + 2 * 3 - 4 }}",
    "{{ 'a' ~ 1 ~ none ~ true ~ 2.50 }}",
    "{{ 'ab' * 3 }} {{ [1] * 2 }} {{ [1, 2] + [3] }} {{ 'x' + 'y' }}",
    "{{ 3 > 2 > 1 }} {{ 1 < 3 < 2 }} {{ 1 in [1] in [[1]] }} {{ 1 == 1 != 2 }}",
    "{{ 1 < 2 < 3 }} {{ 1 == 1.0 }} {{ 'a' < 'b' }} {{ [1, 2] < [1, 3] }} {{ true == 1 }}",
    "{{ 'ell' in s }} {{ 3 in lst }} {{ 'k1' in d }} {{ 'zz' not in s }} {{ not t }}",
    "{{ none or 'default' }} {{ 0 and 'x' }} {{ 'a' and 'b' }} {{ lst or [] }}",
    "{{ 'yes' if t else 'no' }} {{ 'yes' if none else 'no' }} [{{ 'only' if none }}]",
    "{{ [1, 'a', none, true, 1.5, {'k': [2]}] }} {{ {'a': 1, 'b': none} }} {{ (1, 2) }}",
    "{{ 1e20 }} {{ 1.0 }} {{ 0.1 + 0.2 }} {{ 1e-5 }} {{ 123456789.125 }} {{ -0.0 }} {{ 3.0 * 2 }}",
    "{{ '\\101\\0\\7x' | length }} {{ '\\101' }}",
    "{{ \"it's\" }} {{ 'say \"hi\"' }} {{ 'tab\\there' }} {{ 'nl\\n' }} {{ '\\u00e9\\x41' }}",
    "{{ s[0] }}{{ s[-1] }}{{ s[1:4] }}{{ s[::2] }}{{ s[::-1] }}{{ lst[-2:] }}{{ lst[:-1] }}{{ lst[5:] }}",
    "{{ messages[0].role }} {{ messages[0]['content'] }} {{ messages.0.role }} {{ d.k1 }} {{ d['k2'] }}",
    "{{ d.missing }}|{{ d.missing is defined }}|{{ undefined_var }}|{{ undefined_var is undefined }}",
    "{{ -n }} {{ +f }} {{ -(1 + 2) }} {{ - 3 | abs }}",
    # tests
    "{{ n is number }} {{ n is integer }} {{ f is float }} {{ s is string }} {{ d is mapping }} {{ lst is sequence }} {{ s is iterable }} {{ none is none }}",
    "{{ t is true }} {{ t is false }} {{ t is boolean }} {{ n is odd }} {{ n is even }} {{ n is divisibleby 7 }} {{ n is divisibleby(2) }}",
    "{{ n is equalto 7 }} {{ n is eq(7) }} {{ n is ne 7 }} {{ n is gt 3 }} {{ n is lt 3 }} {{ 2 is in lst }} {{ s is lower }} {{ 'ABC' is upper }}",
    "{{ none is not none }} {{ undefined_var is not defined }} {{ d is not mapping }} {{ lst is not string }}",
    # filters
    "{{ s | length }} {{ lst | count }} {{ d | length }} {{ '日本' | length }}",
    "{{ messages[0].content | trim }}|{{ 'xxhixx' | trim('x') }}",
    "{{ s | lower }} {{ s | upper }} {{ 'hello wORLD-foo (bar)' | title }} {{ 'hELLO' | capitalize }}",
    "{{ s | replace('l', 'L') }} {{ s | replace('l', '', 1) }} {{ lst | join(', ') }} {{ people | join('/', attribute='name') }}",
    "{{ undefined_var | default('dflt') }} {{ empty | default('dflt') }} {{ empty | default('dflt', true) }} {{ none | d('x', boolean=true) }}",
    "{{ lst | first }} {{ lst | last }} {{ s | first }} {{ d | items | list }} {{ d | list }} {{ 'ab' | list }}",
    "{{ people | selectattr('age', 'equalto', 31) | map(attribute='name') | join(',') }}",
    "{{ people | rejectattr('active') | map(attribute='name') | list }} {{ people | selectattr('active') | list | length }}",
    "{{ people | map(attribute='missing', default='?') | list }} {{ lst | map('string') | join('-') }}",
    "{{ lst | reverse | list }} {{ s | reverse }} {{ lst | sort }} {{ words | sort }} {{ words | sort(case_sensitive=true) }} {{ lst | sort(reverse=true) }}",
    "{{ people | sort(attribute='age') | map(attribute='name') | list }} {{ words | unique | list }}",
    "{{ '42' | int }} {{ '4.7' | int }} {{ 'x' | int }} {{ 'x' | int(5) }} {{ 3.9 | int }} {{ '2.5' | float }} {{ 3 | float }} {{ 'q' | float }}",
    "{{ -3 | abs }} {{ 2.567 | round }} {{ 2.567 | round(2) }} {{ 2.5 | round }} {{ 3.5 | round }} {{ 2.1 | round(0, 'ceil') }}",
    "{{ s | safe }} {{ n | string }} {{ none | string }} {{ lst | string }} {{ lst | min }} {{ lst | max }} {{ lst | sum }}",
    "{{ 'a\\nb\\n\\nc' | indent(2) }}|{{ 'a\\nb' | indent(2, true) }}|{{ 'x y  z' | wordcount }}",
    "{{ d | tojson }} {{ lst | tojson }} {{ 'é\"<>&\\u2028' | tojson }} {{ none | tojson }} {{ 1.5 | tojson }} {{ t | tojson }}",
    "{{ tools | tojson(indent=2) }}",
    "{{ tools | tojson(indent=4, sort_keys=true) }}",
    "{{ messages[2] | tojson(ensure_ascii=true) }} {{ messages[3] | tojson(ensure_ascii=true) }}",
    "{{ d | tojson(separators=(',', ':')) }} {{ {} | tojson(indent=2) }} {{ [] | tojson(indent=2) }} {{ [[]] | tojson(indent=1) }}",
    "{{ d | dictsort if false else 'skip' }}",
    # string and dict methods
    "{{ s.startswith('Hell') }} {{ s.endswith('xyz') }} {{ s.startswith(('x', 'He')) }} {{ s.split() }} {{ 'a,b,,c'.split(',') }} {{ 'a b c'.split(' ', 1) }} {{ 'a,b,c'.rsplit(',', 1) }}",
    "[{{ '  pad  '.strip() }}][{{ '  pad  '.lstrip() }}][{{ '  pad  '.rstrip() }}][{{ 'xxpadxx'.strip('x') }}][{{ '\\n\\nx\\n'.strip('\\n') }}]",
    "{{ s.replace('o', '0') }} {{ s.upper() }} {{ s.lower() }} {{ 'hello world'.title() }} {{ 'hELLO'.capitalize() }} {{ '{} and {}'.format('a', 1) }} {{ '{x}!'.format(x=2) }}",
    "{{ s.find('World') }} {{ s.count('l') }} {{ '-'.join(['a', 'b']) }} {{ '12'.isdigit() }} {{ 'ab'.isalpha() }}",
    "{{ d.get('k1') }} {{ d.get('nope') }} {{ d.get('nope', 'fallback') }} {{ d.keys() | list }} {{ d.values() | list }} {{ d.items() | list }}",
    "{{ messages[1].content.split('<')[-1].lstrip('t') }}",
    # globals
    "{{ range(3) | list }} {{ range(1, 7, 2) | list }} {{ range(5, 0, -2) | list }}",
    "{% set x = dict(a=1, b='two') %}{{ x }} {{ x.a }}",
    "{{ strftime_now('%Y') | length }}",
    # generation tag (transformers' AssistantTracker extension) just renders its body
    "{% generation %}gen {{ n }}{% endgeneration %}",
    "{% filter upper %}shout {{ s }}{% endfilter %}",
    # unknown filters/tests inside {% if %} or an inline if only fail when evaluated (jinja2 >= 3.0)
    "{% if false %}{{ s | nosuchfilter }}{% elif false and none is nosuchtest %}x{% endif %}ok",
    "{{ s | nosuch if false else 'fine' }}",
    "{% if t or (none|p.first) %}x{% endif %}",  # dotted filter name in a soft frame, never evaluated
    "{{+n}} {{ +n }}",
    "[{{ lst[] }}]",  # an empty subscript is an empty-tuple key: Undefined
    "{{ 2 is in [1, 2] }} {{ n is sameas 7 }} {{ d | attr('get') is callable }}",
    # printf-style formatting and the format filter
    "{{ '%s-%d' % ('a', 3) }} {{ '%5.2f|%-4d|%04d|%x|%X|%o|%e|%g' % (3.14159, 7, 42, 255, 255, 8, 12345.678, 0.0001) }}",
    "{{ '%(a)s and %(b)r' % {'a': 1, 'b': 'x'} }} {{ '100%%' % () }} {{ '%s' % [1, 2] }} {{ '%s' % none }} {{ '%.2s|%5s|%-5s|' % ('abc', 'r', 'l') }}",
    "{{ '%s, %s' | format('a', 1) }} {{ '%(x)s' | format(x=5) }} {{ '%c%c' % ('h', 105) }} {{ '%+d % d' % (5, 5) }} {{ '%#x %#o' % (255, 8) }}",
    # implicit tuples in {{ }}, set, for and if
    "{{ 1, 'a' }} {% set a = 1, 2 %}{{ a }} {% for x in 1, 2 %}{{ x }}{% endfor %} {% if 1, %}T{% endif %}",
]

# More corner cases found while hardening (undefined handling, rounding, tuples, slicing).
SNIPPETS += [
    'a\n\t  {% if t %}\n\tX\n  {%- endif %}\n b',
    'abc {% if t %}Y{% endif %}\n  def',
    '  {#- c #}\nA\n{# c2 #}\nB\n',
    '{%- raw -%}  {{ raw }}  {%- endraw -%}  after',
    '{{ \'a\' \'b\' "c" }}',
    "{% macro m() %}[{{ caller('v') }}]{% endmacro %}{% call(x) m() %}got {{ x }}{% endcall %}",
    "{{ messages | selectattr('role', 'equalto', 'user') | list | length }}",
    '{{ undefined_var.y if undefined_var is defined }}|{{ none is sameas none }}|{{ t is sameas true }}',
    '[{{ undefined_var | length }}][{{ undefined_var | trim }}][{{ undefined_var | upper }}][{{ undefined_var | list }}][{{ undefined_var | string }}]',
    "{% for x in undefined_var %}x{% else %}none{% endfor %}|{{ undefined_var == none }}|{{ undefined_var ~ 'x' }}|{{ undefined_var | default(1) }}",
    "{{ 10 / 4 }} {{ 2 ** -1 }} {{ 7 // 2.0 }} {{ 7.5 % 2 }} {{ 1.0 ~ '' }} {{ 2 ** 0.5 }} {{ 1 / 3 }}",
    "{{ d }} {{ 'é' | upper }} {{ 'ÀÉ' | lower }} {{ '  a  b  '.split(' ') }} {{ messages[-1].content }}",
    "{{ t and none }} {{ none == none }} {{ 1 != '1' }} {{ n | string + 'x' }} {{ [] == [] }} {{ {} == {} }}",
    '{% for i in range(3) %}{{ i }}{% endfor %}{% for x in lst if x != 3 %}{{ loop.length }}{% endfor %}',
    '{{ (1e16, 1.5e-7, 100.0, 0.5, 1e-4, 12345678901234567.0) | tojson }} {{ (1e16, 1.5e-7, 1e-4) }}',
    "{{ 'abc'[5:1:-1] }}{{ lst[::-2] }}{{ lst[-10:10] }}{{ s[-3:] }}{{ 'héllo'[1:3] }}",
    '{% set x %}{% for m in messages %}{{ m.role[0] }}{% endfor %}{% endset %}{{ x }}{{ x | length }}',
    "{{ people[0] }} {{ people | map(attribute='tags') | list }} {{ people | selectattr('tags', 'defined') | list | length }}",
    "{{ people | selectattr('age', '>', 26) | map(attribute='name') | join }} {{ people | selectattr('age', 'ge', 31) | list | length }}",
    "{{ lst | select('odd') | list }} {{ lst | reject('even') | list }} {{ [0, 1, none, '', 'a'] | select | list }}",
    "{{ people | map(attribute='name') | map('upper') | list }} {{ people | sort(attribute='name') | map(attribute='name') | join(',') }}",
    "{{ 'a-b_c d'.split('-') }} {{ 'x'.join('abc') }} {{ 'Hello'.replace('l', 'L', 1) }} {{ ''.split() }} {{ 'a\\tb\\nc'.split() }}",
    '{{ messages[2].tool_calls[0].function.arguments | tojson }} {{ messages[2].tool_calls[0].function.arguments.a[1] }}',
    "{%- for message in messages %}{%- if message.role == 'assistant' and message.tool_calls is defined %}{{ message.tool_calls | length }}{%- endif %}{%- endfor %}",
    "{{ 3 > 2 and 'a' or 'b' }} {{ not none and not undefined_var }} {{ (n > 5) + 1 }} {{ true + true }}",
    '{% set ns = namespace(a=1) %}{% set ns.b = 2 %}{{ ns.a }}{{ ns.b }}{{ ns.c is defined }}',
    "{% if messages[0]['role'] == 'system' %}{% set sys = messages[0]['content'] | trim %}{% set loop_messages = messages[1:] %}{% endif %}{{ sys }}|{{ loop_messages | length }}",
    "{{ '%d items' if false else n ~ ' items' }} {{ 'x' * 0 }}|{{ -1 * 'ab' }}|",
    "{{ 5 is number and 'x' is not number }} {{ 1.5 is integer }} {{ true is integer }} {{ true is number }}",
    '{{ lst | length > 2 }} {{ lst|length + 1 }} {{ -(lst|length) }}',
    '{% for a, b in [(1, 2), (3, 4)] %}{{ a + b }}{% endfor %} {% for a, b in d.items() %}{{ a }}{% endfor %}',
    "{{ 'X' if messages|length > 3 else 'Y' }}{{ messages|last|attr('role') if false else '' }}",
    "{{ {'b': 1, 'a': 2} | dictsort }} {{ {'b': 1, 'a': 2} | dictsort(by='value', reverse=true) }}",
    "{{ [3, 1, 2] | sort | first }} {{ 'bca' | sort | join }} {{ [1.5, 1, 2] | max }} {{ ['b', 'A', 'c'] | min }}",
    '{% for x in lst %}{{ loop.index }}{% if loop.last %}!{% endif %}{% endfor %}\n{% for x in lst %}\n{{ x }}\n{% endfor %}',
    "{%- if tools %}\n    {{- 'T' }}\n{%- endif %}\n{{- 'done' }}",
    '{{ "\\\\n" }}|{{ \'\\\'\' }}|{{ "\\"" }}|{{ \'a\\\\b\' }}',
    '{{ 0.1 | round(1) }} {{ 2.675 | round(2) }} {{ 1234.5 | round(-2) }} {{ 7 | round }}',
    "{{ 'Hello World' | replace(' ', '') | lower | length }} {{ 'a' | center if false else 'c' }}",
    "{{ n is divisibleby 3 }} {{ s.startswith('') }} {{ ''.endswith('') }} {{ 'abc'.find('') }}",
    "[{{ 'ab' | center(7) }}][{{ 'ab' | center(6) }}][{{ 'abc' | center(6) }}][{{ 'abc' | center(8) }}]",
    "{{ 2.5 | round }} {{ 3.5 | round }} {{ -2.5 | round }} {{ 1 | round(2) }} {{ 7 | round(0, 'ceil') }} {{ 1.005 | round(2) }}",
    "{{ messages | last | attr('role') }} {{ d | attr('k1') }} {{ d | attr('items') is defined }}",
]

ERRORS = [
    "{{ raise_exception('custom failure: ' ~ n) }}",
    "{{ undefined_var.attr }}",
    "{{ d.missing.deeper }}",
    "{{ undefined_var + 1 }}",
    "{{ undefined_fn() }}",
    "{{ 'a' + 1 }}",
    "{{ 1 / 0 }}",
    "{{ 'a' < 1 }}",
    "{% if t %}unclosed",
    "{% for x in lst %}{% endif %}",
    "{{ s | no_such_filter }}",
    "{{ s is no_such_test }}",
    "{{ 1 + }}",
    "{% endfor %}",
    "{{ n(1) }}",
    "{% for x in n %}{% endfor %}",
    "{% set ns = namespace(_private=1) %}",
    "{{ 'unterminated }}",
    "{{ [1, 2 }}",
    "{% macro m(a) %}{% endmacro %}{{ m(1, 2) }}",
    "{{ none.attr }}x",
    "{{ -lst|length }}",
    "{{ '%s %s' % ('a',) }}",
    "{{ '%s' % ('a', 'b') }}",
    "{{ '%d' % 'x' }}",
    "{{ '%(k)s' % {'z': 1} }}",
    "{% if t %}{{ s | nosuchfilter }}{% endif %}",  # reached: fails at render time
    "{% if t %}{% for x in lst %}{{ x | nosuch }}{% endfor %}{% endif %}",  # loop body is not soft: compile error
    "{% set a, b = 1, 2, 3 %}",
    "{{ 'a' +}}",  # '+}}' is not a tag end (only '+%}' is)
    "{{ t or (none|p.first) }}",  # unknown (dotted) filter outside if: compile error
    "{% set ns = namespace(undefined_var, a=1) %}",
    "{{ n is none(1) }}",
    "{{ 1 is not none is sameas true }}",  # jinja2 forbids chained tests
    "{{ 1 is divisibleby -1 }}",  # a bare test argument cannot start with '-'
    "{% if 1 is number if %}A{% endif %}",  # `if` is read as a (bare) test argument
    "{% set ns = namespace() %}{% set ns._x = 1 %}",  # unary minus binds before the filter: -(list)
]


def _driver() -> pathlib.Path:
    return render_chat_template_driver()


def _jinja(template):
    try:
        return chat_template_utils._compile_jinja_template(template).render(**CTX), None
    except Exception as e:
        return None, f"{type(e).__name__}: {e}"


def _ours(template):
    request = {"template": template, "context": CTX}
    proc = subprocess.run([str(_driver())], input=json.dumps(request, ensure_ascii=False).encode("utf-8"),
                          capture_output=True, timeout=30)
    return proc.returncode, proc.stdout.decode("utf-8"), proc.stderr.decode("utf-8")


@pytest.mark.parametrize("template", SNIPPETS)
def test_construct(template):
    expected, error = _jinja(template)
    assert error is None, f"reference failed on a snippet meant to render: {error}"
    rc, out, err = _ours(template)
    assert rc == 0, err
    assert out == expected


@pytest.mark.parametrize("template", ERRORS)
def test_error(template):
    expected, error = _jinja(template)
    rc, out, err = _ours(template)
    if error is None:
        # A few "errors" are not errors in jinja2 (it is lenient); then we must match its output.
        assert rc == 0, f"jinja2 rendered {expected!r} but we failed: {err}"
        assert out == expected
        return
    assert rc == 1, f"jinja2 raised {error} but we printed {out!r}"
    assert "line" in err and "column" in err, err
    if "raise_exception" in template:
        assert "custom failure: 7" in err
