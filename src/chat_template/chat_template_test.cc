// End-to-end tests of the public API, one construct or failure mode per test. Expected strings
// are what jinja2 (as transformers configures it) prints; the conformance tests under
// tests/conformance/ check the same against live jinja2/transformers.
#include "chat_template/chat_template.h"

#include <gtest/gtest.h>

#include <thread>
#include <vector>

namespace vllm {
namespace {

using ojson = nlohmann::ordered_json;

std::string Render(const std::string& tpl, const ojson& ctx = ojson::object(), const ChatTemplateOptions& opts = {}) {
  auto r = RenderChatTemplate(tpl, ctx, opts);
  EXPECT_TRUE(r.ok()) << tpl << " -> " << r.status().message();
  return r.ok() ? r.value() : "<error>";
}

Status RenderError(const std::string& tpl, const ojson& ctx = ojson::object(), const ChatTemplateOptions& opts = {}) {
  auto r = RenderChatTemplate(tpl, ctx, opts);
  EXPECT_FALSE(r.ok()) << tpl << " rendered " << (r.ok() ? r.value() : "");
  return r.status();
}

bool Contains(const std::string& s, const std::string& needle) { return s.find(needle) != std::string::npos; }

const ojson kCtx = ojson::parse(R"({
  "messages": [{"role": "system", "content": " sys "}, {"role": "user", "content": "hi"},
               {"role": "assistant", "content": "yo", "tool_calls": [{"function": {"name": "f", "arguments": {"z": 1, "a": 2}}}]}],
  "n": 7, "lst": [3, 1, 2], "d": {"k2": "v2", "k1": "v1"}, "t": true, "none": null
})");

TEST(ChatTemplateTest, IfElifElse) {
  EXPECT_EQ(Render("{% if n > 10 %}a{% elif n > 5 %}b{% else %}c{% endif %}", kCtx), "b");
  EXPECT_EQ(Render("{% if none %}a{% elif lst %}b{% endif %}", kCtx), "b");
  EXPECT_EQ(Render("{% if not t %}a{% else %}c{% endif %}", kCtx), "c");
}

TEST(ChatTemplateTest, ForLoopVariables) {
  EXPECT_EQ(Render("{% for x in lst %}{{ loop.index }}{{ loop.index0 }}{{ loop.revindex }}{{ loop.revindex0 }}"
                   "{{ loop.first }}{{ loop.last }}{{ loop.length }};{% endfor %}", kCtx),
            "1032TrueFalse3;2121FalseFalse3;3210FalseTrue3;");
}

TEST(ChatTemplateTest, ForElseFilterAndIterables) {
  EXPECT_EQ(Render("{% for x in [] %}a{% else %}empty{% endfor %}"), "empty");
  EXPECT_EQ(Render("{% for x in lst if x > 1 %}{{ x }}/{{ loop.length }} {% endfor %}", kCtx), "3/2 2/2 ");
  EXPECT_EQ(Render("{% for c in 'h\xc3\xa9' %}[{{ c }}]{% endfor %}"), "[h][\xc3\xa9]");
  EXPECT_EQ(Render("{% for k, v in d.items() %}{{ k }}={{ v }},{% endfor %}", kCtx), "k2=v2,k1=v1,");
  EXPECT_EQ(Render("{% for k in d %}{{ k }}{% endfor %}", kCtx), "k2k1");
  EXPECT_EQ(Render("{% for m in messages[::-1] %}{{ m.role[0] }}{% endfor %}", kCtx), "aus");
}

TEST(ChatTemplateTest, BreakContinueAndLoopScope) {
  EXPECT_EQ(Render("{% for x in [1,2,3,4] %}{% if x == 2 %}{% continue %}{% endif %}{% if x == 4 %}{% break %}{% endif %}"
                   "{{ x }}{% endfor %}"),
            "13");
  // A set inside a loop body does not leak out (and does not survive to the next iteration).
  EXPECT_EQ(Render("{% set y = 0 %}{% for x in [1,2] %}{% if x == 1 %}{% set y = 5 %}{% endif %}{{ y }}{% endfor %}{{ y }}"),
            "500");
}

TEST(ChatTemplateTest, SetNamespaceAndBlockSet) {
  EXPECT_EQ(Render("{% set ns = namespace(total=0) %}{% for x in lst %}{% set ns.total = ns.total + x %}{% endfor %}"
                   "{{ ns.total }}", kCtx),
            "6");
  EXPECT_EQ(Render("{% set a, b = [1, 2] %}{{ b }}{{ a }}"), "21");
  EXPECT_EQ(Render("{% set x %}\n  in {{ n }}\n{% endset %}[{{ x }}]", kCtx), "[  in 7\n]");
  EXPECT_EQ(Render("{% set x | upper %}ab{% endset %}{{ x }}"), "AB");
}

TEST(ChatTemplateTest, MacrosWithDefaultsKeywordsAndCaller) {
  EXPECT_EQ(Render("{% macro g(name, p='!') %}{{ name }}{{ p }}{% endmacro %}{{ g('a') }}{{ g('b', '?') }}{{ g(p='.', name='c') }}"),
            "a!b?c.");
  EXPECT_EQ(Render("{% macro w() %}<{{ caller() }}>{% endmacro %}{% call w() %}x{% endcall %}"), "<x>");
  EXPECT_EQ(Render("{% macro m(x) %}{{ x is defined }}{% endmacro %}{{ m() }}"), "False");
}

TEST(ChatTemplateTest, Expressions) {
  EXPECT_EQ(Render("{{ 7 // 2 }} {{ -7 // 2 }} {{ -7 % 3 }} {{ 7 / 2 }} {{ 2 ** 10 }} {{ 1 + 2 * 3 }}"), "3 -4 2 3.5 1024 7");
  EXPECT_EQ(Render("{{ 'a' ~ 1 ~ none ~ true }} {{ 'ab' * 2 }} {{ [1] + [2] }}"), "a1NoneTrue abab [1, 2]");
  EXPECT_EQ(Render("{{ 'b' in 'abc' }} {{ 3 in lst }} {{ 'k1' in d }} {{ 4 not in lst }}", kCtx), "True True True True");
  EXPECT_EQ(Render("{{ none or 'x' }} {{ 0 and 'y' }} {{ 'yes' if t else 'no' }} [{{ 'z' if none }}]", kCtx), "x 0 yes []");
  EXPECT_EQ(Render("{{ [1, 'a', none, 1.5] }} {{ {'k': true} }} {{ (1, 2) }}"), "[1, 'a', None, 1.5] {'k': True} (1, 2)");
  EXPECT_EQ(Render("{{ True }}{{ False }}{{ None }}"), "TrueFalseNone");
}

TEST(ChatTemplateTest, AccessAndSlicing) {
  EXPECT_EQ(Render("{{ messages[1].content }}{{ messages[1]['role'] }}{{ messages.1.role }}{{ d.k1 }}", kCtx), "hiuseruserv1");
  EXPECT_EQ(Render("{{ lst[-1] }}{{ lst[::-1] }}{{ lst[1:] }}{{ 'abcdef'[1:5:2] }}{{ 'abc'[::-1] }}", kCtx), "2[2, 1, 3][1, 2]bdcba");
}

TEST(ChatTemplateTest, UndefinedBehavesLikeJinja2Default) {
  EXPECT_EQ(Render("[{{ nope }}][{{ nope is defined }}][{{ d.nope }}][{{ nope | length }}]", kCtx), "[][False][][0]");
  EXPECT_EQ(Render("{% for x in nope %}x{% else %}e{% endfor %}{{ nope ~ 'a' }}{% if not nope %}F{% endif %}"), "eaF");
  EXPECT_TRUE(Contains(RenderError("{{ nope.attr }}").message(), "'nope' is undefined"));
  EXPECT_TRUE(Contains(RenderError("{{ d.a.b }}", kCtx).message(), "'dict object' has no attribute 'a'"));
  EXPECT_TRUE(Contains(RenderError("{{ nope() }}").message(), "'nope' is undefined"));
  EXPECT_TRUE(Contains(RenderError("{{ nope + 1 }}").message(), "'nope' is undefined"));
}

TEST(ChatTemplateTest, Tests) {
  EXPECT_EQ(Render("{{ n is number }}{{ n is integer }}{{ 'a' is string }}{{ d is mapping }}{{ lst is sequence }}"
                   "{{ lst is iterable }}{{ none is none }}{{ t is true }}{{ t is false }}{{ t is boolean }}", kCtx),
            "TrueTrueTrueTrueTrueTrueTrueTrueFalseTrue");
  EXPECT_EQ(Render("{{ n is odd }}{{ n is even }}{{ n is divisibleby 7 }}{{ n is equalto 7 }}{{ n is eq(8) }}"
                   "{{ none is not none }}{{ nope is undefined }}", kCtx),
            "TrueFalseTrueTrueFalseFalseTrue");
}

TEST(ChatTemplateTest, Filters) {
  EXPECT_EQ(Render("{{ messages[0].content | trim }}|{{ 'aXb' | lower }}{{ 'ab' | upper }}{{ 'ab cd' | title }}", kCtx),
            "sys|axbABAb Cd");
  EXPECT_EQ(Render("{{ lst | length }}{{ lst | count }}{{ lst | join('-') }}{{ lst | first }}{{ lst | last }}", kCtx), "333-1-232");
  EXPECT_EQ(Render("{{ nope | default('x') }}{{ '' | default('y', true) }}{{ 'hello' | replace('l', 'L') }}"), "xyheLLo");
  EXPECT_EQ(Render("{{ d | items | list }} {{ lst | sort }} {{ lst | reverse | list }} {{ [1, 1, 2] | unique | list }}", kCtx),
            "[('k2', 'v2'), ('k1', 'v1')] [1, 2, 3] [2, 1, 3] [1, 2]");
  EXPECT_EQ(Render("{{ messages | selectattr('role', 'equalto', 'user') | map(attribute='content') | list }}"
                   "{{ messages | rejectattr('role', 'equalto', 'user') | list | length }}", kCtx),
            "['hi']2");
  EXPECT_EQ(Render("{{ '42' | int }} {{ 'x' | int }} {{ '1.5' | float }} {{ -3 | abs }} {{ 2.5 | round }} {{ 7 | string }}"),
            "42 0 1.5 3 2.0 7");
}

TEST(ChatTemplateTest, TojsonIsTransformersJsonDumps) {
  EXPECT_EQ(Render("{{ messages[2].tool_calls[0].function.arguments | tojson }}", kCtx), "{\"z\": 1, \"a\": 2}");
  EXPECT_EQ(Render("{{ {'a': [1, 2]} | tojson(indent=2) }}"), "{\n  \"a\": [\n    1,\n    2\n  ]\n}");
  EXPECT_EQ(Render("{{ '\xc3\xa9<&>' | tojson }}"), "\"\xc3\xa9<&>\"");  // no HTML escaping, no \u escapes
  EXPECT_EQ(Render("{{ '\xc3\xa9' | tojson(ensure_ascii=true) }}"), "\"\\u00e9\"");
  EXPECT_EQ(Render("{{ d | tojson(sort_keys=true, separators=(',', ':')) }}", kCtx), "{\"k1\":\"v1\",\"k2\":\"v2\"}");
}

TEST(ChatTemplateTest, PercentFormattingAndFormatFilter) {
  EXPECT_EQ(Render("{{ '%s=%d' % ('n', 7) }} {{ '%.2f' % 3.14159 }} {{ '%(k)s' % {'k': 1} }} {{ '%-3s|' % 'a' }}"),
            "n=7 3.14 1 a  |");
  EXPECT_EQ(Render("{{ '%s and %s' | format('a', 'b') }} {{ '%(x)s' | format(x=2) }} {{ '100%%' % () }}"), "a and b 2 100%");
  EXPECT_TRUE(Contains(RenderError("{{ '%s %s' % ('a',) }}").message(), "not enough arguments"));
  EXPECT_TRUE(Contains(RenderError("{{ '%s' % ('a', 'b') }}").message(), "not all arguments converted"));
  EXPECT_TRUE(Contains(RenderError("{{ '%d' % 'x' }}").message(), "real number is required"));
  std::string wide = Render("{{ '%9999d' % 1 }}");  // width is capped, never overflows
  EXPECT_EQ(wide.size(), 4096u);
}

TEST(ChatTemplateTest, StringAndDictMethods) {
  EXPECT_EQ(Render("{{ 'abc'.startswith('ab') }}{{ 'abc'.endswith(('x', 'c')) }}{{ 'a,b'.split(',') }}{{ ' a b '.split() }}"),
            "TrueTrue['a', 'b']['a', 'b']");
  EXPECT_EQ(Render("[{{ ' x '.strip() }}][{{ 'xxyxx'.lstrip('x') }}][{{ '\\nx\\n'.rstrip('\\n') }}]{{ 'a-b'.replace('-', '+') }}"
                   "{{ 'a b'.title() }}{{ '{}={x}'.format(1, x=2) }}{{ 'a/b/c'.rsplit('/', 1) }}"),
            "[x][yxx][\nx]a+bA B1=2['a/b', 'c']");
  EXPECT_EQ(Render("{{ d.get('k1') }}{{ d.get('no') }}{{ d.get('no', 5) }}{{ d.keys() | list }}{{ d.values() | list }}", kCtx),
            "v1None5['k2', 'k1']['v2', 'v1']");
}

TEST(ChatTemplateTest, WhitespaceControlAsTransformersConfiguresIt) {
  EXPECT_EQ(Render("a\n  {% if t %}\n  b\n  {% endif %}\nc", kCtx), "a\n  b\nc");
  EXPECT_EQ(Render("a  {%- if t -%}  b  {%- endif -%}  c", kCtx), "abc");
  EXPECT_EQ(Render("x\n"), "x");
}

TEST(ChatTemplateTest, GlobalsRaiseExceptionAndStrftimeNow) {
  ChatTemplateOptions opts;
  opts.now = 1741348800;  // 2025-03-07 12:00:00 UTC
  std::string date = Render("{{ strftime_now('%Y-%m') }}", ojson::object(), opts);
  EXPECT_EQ(date, "2025-03");
  EXPECT_EQ(Render("{{ range(3) | list }}{{ dict(a=1) }}"), "[0, 1, 2]{'a': 1}");
  Status st = RenderError("line1\n{{ raise_exception('bad role: ' ~ n) }}", kCtx);
  EXPECT_EQ(st.code(), StatusCode::kInvalidArgument);
  EXPECT_TRUE(Contains(st.message(), "line 2")) << st.message();
  EXPECT_TRUE(Contains(st.message(), "bad role: 7")) << st.message();
}

TEST(ChatTemplateTest, SyntaxErrorsNameConstructAndPosition) {
  auto syntax = [](const std::string& tpl, const std::string& needle, const std::string& where) {
    auto r = ChatTemplate::Parse(tpl);
    ASSERT_FALSE(r.ok()) << tpl;
    EXPECT_TRUE(Contains(r.status().message(), needle)) << r.status().message();
    EXPECT_TRUE(Contains(r.status().message(), where)) << r.status().message();
  };
  syntax("ab\n{% if x %}never closed", "'if' tag at line 2 is never closed (expected 'endif')", "line 2");
  syntax("{% for x in y %}{% endif %}", "unknown or misplaced tag 'endif'", "column 20");
  syntax("{{ x | nofilter }}", "no filter named 'nofilter'", "column 8");
  syntax("{{ x is notatest }}", "no test named 'notatest'", "column 9");
  syntax("{{ 1 + }}", "unexpected '}}' in expression", "line 1");
  syntax("{% break %}", "'break' outside of a 'for' loop", "line 1");
  syntax("{% frobnicate %}", "unknown or misplaced tag 'frobnicate'", "line 1");
  syntax("{{ [1, 2 }}", "expected ','", "line 1");
}

TEST(ChatTemplateTest, RuntimeErrorsNamePosition) {
  Status st = RenderError("ok\n  {{ 'a' + 1 }}");
  EXPECT_TRUE(Contains(st.message(), "line 2, column")) << st.message();
  EXPECT_TRUE(Contains(st.message(), "unsupported operand type(s) for +: 'str' and 'int'")) << st.message();
  EXPECT_TRUE(Contains(RenderError("{{ 1 / 0 }}").message(), "division by zero"));
  EXPECT_TRUE(Contains(RenderError("{{ n() }}", kCtx).message(), "'int' object is not callable"));
  EXPECT_TRUE(Contains(RenderError("{% for x in n %}{% endfor %}", kCtx).message(), "'int' object is not iterable"));
  EXPECT_TRUE(Contains(RenderError("{% macro m(a) %}{% endmacro %}{{ m(1, 2) }}").message(), "macro 'm' takes 1"));
  EXPECT_TRUE(Contains(RenderError("{{ nope | tojson }}").message(), "not JSON serializable"));
  EXPECT_TRUE(Contains(RenderError("{% set n.x = 1 %}", kCtx).message(), "not a namespace"));
}

TEST(ChatTemplateTest, LimitsStopRunawayTemplates) {
  ChatTemplateOptions opts;
  opts.max_loop_iterations = 1000;
  Status st = RenderError("{% for i in range(10) %}{% for j in range(200) %}{% endfor %}{% endfor %}", ojson::object(), opts);
  EXPECT_EQ(st.code(), StatusCode::kResourceExhausted);
  EXPECT_TRUE(Contains(st.message(), "loop iterations")) << st.message();

  opts = {};
  opts.max_output_bytes = 100;
  st = RenderError("{% for i in range(50) %}abcd{% endfor %}", ojson::object(), opts);
  EXPECT_EQ(st.code(), StatusCode::kResourceExhausted);
  // Doubling a string 64 times would need 2^64 bytes; the size cap stops it long before.
  st = RenderError("{% set ns = namespace(s='ab') %}{% for i in range(64) %}{% set ns.s = ns.s ~ ns.s %}{% endfor %}",
                   ojson::object(), opts);
  EXPECT_EQ(st.code(), StatusCode::kResourceExhausted);
  EXPECT_EQ(RenderError("{{ 'x' * 1000 }}", ojson::object(), opts).code(), StatusCode::kResourceExhausted);

  opts = {};
  st = RenderError("{% macro r(k) %}{{ r(k + 1) }}{% endmacro %}{{ r(0) }}", ojson::object(), opts);
  EXPECT_EQ(st.code(), StatusCode::kResourceExhausted);
  EXPECT_TRUE(Contains(st.message(), "macro calls nested deeper than 64")) << st.message();

  // Values cannot nest without bound (printing, comparing and freeing them recurse).
  st = RenderError("{% set ns = namespace(x=[]) %}{% for i in range(2000) %}{% set ns.x = [ns.x] %}{% endfor %}{{ ns.x }}");
  EXPECT_TRUE(Contains(st.message(), "nested more than 512 levels")) << st.message();
  EXPECT_TRUE(Contains(RenderError("{% set ns = namespace() %}{% set ns.me = [ns] %}").message(), "namespace() inside"));
  std::string deep_json = std::string(3000, '[') + std::string(3000, ']');
  EXPECT_FALSE(RenderChatTemplate("{{ x }}", ojson{{"x", ojson::parse(deep_json)}}).ok());

  // Deeply nested syntax is rejected at parse time instead of overflowing the stack.
  std::string deep(5000, '(');
  auto parsed = ChatTemplate::Parse("{{ " + deep + "1" + std::string(5000, ')') + " }}");
  ASSERT_FALSE(parsed.ok());
  EXPECT_TRUE(Contains(parsed.status().message(), "nested too deeply"));
}

TEST(ChatTemplateTest, OrderedJsonKeepsKeyOrderPlainJsonSorts) {
  const std::string tpl = "{{ tools | tojson }}";
  ojson ordered = ojson::parse(R"({"tools": [{"name": "f", "description": "d", "parameters": {"z": 1, "a": 2}}]})");
  EXPECT_EQ(Render(tpl, ordered), "[{\"name\": \"f\", \"description\": \"d\", \"parameters\": {\"z\": 1, \"a\": 2}}]");
  nlohmann::json sorted = nlohmann::json::parse(ordered.dump());
  auto r = RenderChatTemplate(tpl, sorted);
  ASSERT_TRUE(r.ok());
  EXPECT_EQ(r.value(), "[{\"description\": \"d\", \"name\": \"f\", \"parameters\": {\"a\": 2, \"z\": 1}}]");
  EXPECT_FALSE(RenderChatTemplate(tpl, ojson::array()).ok());  // context must be an object
}

TEST(ChatTemplateTest, ParseOnceRenderManyFromThreads) {
  auto parsed = ChatTemplate::Parse("{% for m in messages %}<{{ m.role }}>{{ m.content }}{% endfor %}");
  ASSERT_TRUE(parsed.ok());
  const ChatTemplate& tpl = parsed.value();
  std::vector<std::thread> threads;
  std::vector<std::string> outputs(4);
  for (int t = 0; t < 4; ++t) {
    threads.emplace_back([&, t] {
      for (int i = 0; i < 200; ++i) {
        ojson ctx = {{"messages", ojson::array({ojson{{"role", "user"}, {"content", std::to_string(t * 1000 + i)}}})}};
        auto r = tpl.Render(ctx);
        if (r.ok()) outputs[t] = r.value();
      }
    });
  }
  for (auto& th : threads) th.join();
  for (int t = 0; t < 4; ++t) EXPECT_EQ(outputs[t], "<user>" + std::to_string(t * 1000 + 199));
}

}  // namespace
}  // namespace vllm
