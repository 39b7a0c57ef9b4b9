// MaskWorkers against FillMask on the engine thread: twin matchers compiled from the same
// constraint and walked with the same random allowed tokens give the same masks every step,
// whether the workers (1 or 3 threads, or none) or the caller fill them; a batch left
// pending at destruction is finished, not abandoned (ASan would flag a use after free).
#include "runner/mask_workers.h"

#include <gtest/gtest.h>

#include <algorithm>
#include <random>

#include "grammar/grammar_compiler.h"
#include "grammar/grammar_vocab.h"
#include "sampler/allowed_mask.h"
#include "tokenizer/test_tokenizers.h"

namespace vllm {
namespace {

constexpr int64_t kQwen3Logits = 151936;

struct Qwen3 {
  std::unique_ptr<Tokenizer> tok;
  std::unique_ptr<GrammarVocab> vocab;
};

const Qwen3& Vocab() {
  static Qwen3* q = [] {
    auto* q = new Qwen3;
    auto t = Tokenizer::FromDirectory(testing::Qwen3Dir());
    CHECK(t.ok()) << t.status().message() << " (run scripts/setup.sh)";
    q->tok = std::move(t.value());
    auto v = GrammarVocab::Create(*q->tok, kQwen3Logits, q->tok->eos_ids());
    CHECK(v.ok()) << v.status().message();
    q->vocab = std::move(v.value());
    return q;
  }();
  return *q;
}

const StructuredOutput kSchema{.kind = StructuredOutput::Kind::kJsonSchema,
                               .spec = R"({"type": "object", "properties": {"name": {"type": "string"},
                                  "n": {"type": "integer"}, "tags": {"type": "array", "items": {"enum": ["a", "bb"]}}},
                                  "required": ["name", "n", "tags"]})",
                               .choices = {}};

std::vector<int32_t> Allowed(const std::vector<uint32_t>& mask) {
  std::vector<int32_t> ids;
  for (int64_t id = 0; id < kQwen3Logits; ++id)
    if (MaskAllows(mask.data(), id)) ids.push_back(static_cast<int32_t>(id));
  return ids;
}

void WalkTwins(int num_threads) {
  constexpr int kSeqs = 7;  // more sequences than threads: workers take several each
  const int64_t words = AllowedMaskWords(kQwen3Logits);
  std::vector<std::unique_ptr<GrammarMatcher>> a, b;
  for (int i = 0; i < kSeqs; ++i) {
    auto x = CompileGrammar(*Vocab().vocab, kSchema);
    auto y = CompileGrammar(*Vocab().vocab, kSchema);
    ASSERT_TRUE(x.ok() && y.ok());
    a.push_back(std::move(x.value()));
    b.push_back(std::move(y.value()));
  }
  std::vector<std::vector<uint32_t>> ma(kSeqs, std::vector<uint32_t>(words)), mb = ma;
  bool failed[kSeqs] = {};
  std::vector<bool> live(kSeqs, true);
  std::mt19937 rng(1234 + num_threads);
  MaskWorkers workers(num_threads);
  int compared = 0;
  for (int step = 0; step < 40; ++step) {
    std::vector<MaskWorkers::Job> jobs;
    for (int i = 0; i < kSeqs; ++i)
      if (live[i] && !a[i]->IsStopped())
        jobs.push_back({.matcher = a[i].get(), .mask = ma[i], .failed = &failed[i]});
    if (jobs.empty()) break;
    workers.Start(std::move(jobs));
    workers.Wait();
    for (int i = 0; i < kSeqs; ++i) {
      if (!live[i] || a[i]->IsStopped()) continue;
      ASSERT_TRUE(b[i]->FillMask(mb[i]).ok());
      ASSERT_FALSE(failed[i]);
      ASSERT_EQ(ma[i], mb[i]) << "sequence " << i << " step " << step;
      ++compared;
      const std::vector<int32_t> ids = Allowed(ma[i]);
      ASSERT_FALSE(ids.empty());
      const int32_t tok = ids[std::uniform_int_distribution<size_t>(0, ids.size() - 1)(rng)];
      const std::vector<int32_t> eos_ids = Vocab().tok->eos_ids();
      const bool eos = std::find(eos_ids.begin(), eos_ids.end(), tok) != eos_ids.end();
      ASSERT_TRUE(a[i]->Consume(tok).ok());
      ASSERT_TRUE(b[i]->Consume(tok).ok());
      if (eos) live[i] = false;
    }
  }
  EXPECT_GT(compared, kSeqs * 10);
}

TEST(MaskWorkersTest, WorkerMasksEqualEngineThreadMasks) {
  for (int threads : {0, 1, 3}) {
    SCOPED_TRACE(threads);
    WalkTwins(threads);
  }
}

TEST(MaskWorkersTest, PendingBatchFinishesAtDestruction) {
  const int64_t words = AllowedMaskWords(kQwen3Logits);
  std::vector<std::unique_ptr<GrammarMatcher>> ms;
  std::vector<std::vector<uint32_t>> masks(5, std::vector<uint32_t>(words, 0u));
  for (int i = 0; i < 5; ++i) {
    auto m = CompileGrammar(*Vocab().vocab, kSchema);
    ASSERT_TRUE(m.ok());
    ms.push_back(std::move(m.value()));
  }
  {
    MaskWorkers workers(2);
    std::vector<MaskWorkers::Job> jobs;
    for (int i = 0; i < 5; ++i) jobs.push_back({.matcher = ms[i].get(), .mask = masks[i], .failed = nullptr});
    workers.Start(std::move(jobs));
  }  // no Wait: the destructor finishes the batch before the matchers and masks go
  for (const auto& m : masks) EXPECT_FALSE(Allowed(m).empty());  // '{' (and whitespace) at least
  MaskWorkers idle(2);
  idle.Wait();  // nothing started: returns at once
}

}  // namespace
}  // namespace vllm
