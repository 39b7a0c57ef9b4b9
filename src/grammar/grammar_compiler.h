// GrammarCompiler: StructuredOutput (plain data from the API) -> a GrammarMatcher at its
// start state. Compiling happens at admission, on the submitting thread, so the engine thread
// never waits for it; a bad schema, regex or grammar is InvalidArgument with llguidance's own
// message (the server answers 400 with it).
//
//   json_schema -> llguidance "json" with kJsonGuidanceOptions (at most one space between
//                  JSON tokens), unless the schema sets its own "x-guidance" options
//   json_object -> the schema {"type": "object"}, the same options
//   regex       -> "regex" (Rust syntax, the whole output must match)
//   choice      -> the Lark grammar  start: "a" | "b" | ...  (literals JSON-escaped)
//   grammar     -> "lark" (llguidance's Lark dialect; %json {...} embeds a schema)
#pragma once

#include <memory>

#include "grammar/grammar_matcher.h"
#include "grammar/grammar_vocab.h"
#include "sampler/structured_output.h"
#include "util/status.h"

namespace vllm {

// Bounds on what one compile may cost: llguidance's own parser limits stand; this caps the
// specification text before it reaches the library.
inline constexpr size_t kMaxGrammarSpecBytes = size_t{256} << 10;

Result<std::unique_ptr<GrammarMatcher>> CompileGrammar(const GrammarVocab& vocab, const StructuredOutput& so);

}  // namespace vllm
