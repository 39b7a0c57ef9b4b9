#include "bench/serve_prompts.h"

#include <filesystem>
#include <fstream>
#include <sstream>

#include <nlohmann/json.hpp>

namespace vllm::bench {

namespace {

// About 10-20 prompt tokens each (Qwen3 / Llama 3 tokenizers), before the chat template.
const std::vector<std::string> kShort = {
    "What is the capital of France?",
    "Write a haiku about the sea.",
    "Explain recursion in one sentence.",
    "List three primary colors.",
    "What does HTTP stand for?",
};

// About 100-150 prompt tokens each: a small task with context.
const std::vector<std::string> kMedium = {
    "You are reviewing a pull request that changes a web server's request handler. The old code "
    "read the whole request body into memory before validating the Content-Length header; the new "
    "code checks the header first and rejects bodies larger than 10 MB with HTTP 413. The author "
    "also added a unit test that sends an 11 MB body. Write a short review: what is good about the "
    "change, what edge cases the test misses (for example chunked transfer encoding or a missing "
    "header), and whether the limit should be configurable.",
    "A small bakery sells bread for $4, croissants for $3 and cakes for $25. On Monday it sold 120 "
    "loaves of bread, 85 croissants and 6 cakes; on Tuesday 95 loaves, 110 croissants and 9 cakes. "
    "Ingredients cost 35% of revenue and the staff cost $600 per day. Compute the revenue and the "
    "profit for each day, say which product contributed most to revenue over the two days, and "
    "suggest one change that would raise Tuesday's profit, with the numbers that support it.",
    "Summarize the trade-offs between storing time series data in a relational database with one "
    "row per sample and storing it in a columnar format with compressed blocks per series. Cover "
    "write throughput, query latency for a range scan over one series, aggregate queries over many "
    "series, storage size, and operational complexity. Finish with a recommendation for a system "
    "that ingests 50,000 samples per second from 2,000 sensors and keeps a year of history.",
    "Translate the following instructions into plain language for a first-time user, keeping every "
    "step: Power on the unit by holding the main switch for three seconds until the status light "
    "blinks green. Pair the remote by pressing its reset button with a pin while the light blinks. "
    "If the light turns red, release the switch, wait ten seconds and repeat. Calibrate the sensor "
    "by placing the unit on a flat surface and selecting Calibrate from the settings menu.",
    "Write a Python function that takes a list of meeting intervals as (start, end) pairs in "
    "minutes since midnight and returns the minimum number of rooms needed so that no two "
    "overlapping meetings share a room. Meetings that end exactly when another starts do not "
    "overlap. Explain the algorithm and its time complexity, then show the result for the input "
    "[(540, 600), (555, 630), (600, 660), (615, 700), (690, 720)].",
};

// The long prompts put their task first and the shared passage after it, so different tasks
// share no prefix beyond the chat template's and each one is a real long prefill.
const char kPassage[] =
    "The history of the lighthouse is a history of fuel, optics and labor. The earliest lights were "
    "open fires on hills or towers, burning wood, coal or pitch; they were dim, smoky and hard to "
    "tell apart from other fires on the coast. The Pharos of Alexandria, finished in the third "
    "century BC, is the most famous early tower, but for most of the following two thousand years "
    "coastal lights were few, privately run and unreliable. Ship owners paid dues to pass them, and "
    "the keepers were paid whether or not the fire burned through the night. In the eighteenth "
    "century, oil lamps with wicks replaced coal fires in many towers. The Argand lamp, invented in "
    "the 1780s, used a hollow circular wick and a glass chimney to draw air through the flame, and "
    "it burned several times brighter than a simple wick with far less smoke. Reflectors came next: "
    "polished metal bowls shaped as parabolas collected the light that would have been lost upward "
    "and sideways and sent it toward the horizon. A tower might hold a dozen lamps, each with its "
    "own reflector, arranged on a frame that could be turned to make the light flash. The greatest "
    "change came in 1822, when Augustin Fresnel described a lens built from concentric rings of "
    "glass prisms. A solid lens large enough to focus a lighthouse lamp would have been impossibly "
    "thick and heavy, and it would have absorbed much of the light. Fresnel's rings did the same "
    "work with a fraction of the glass, and prisms above and below the central band bent stray "
    "light back into the beam. A first-order Fresnel lens stood taller than a person and could be "
    "seen more than twenty miles out to sea. Rotating the lens, on a clockwork driven by falling "
    "weights, produced flashes whose pattern identified each light: one flash every ten seconds, "
    "two flashes every fifteen, a fixed light varied by a flash. Sailors carried lists of these "
    "characteristics and could fix their position from the lights they saw. Fuel changed again in "
    "the nineteenth century, from whale oil to colza oil pressed from rapeseed, then to lard oil and "
    "finally to kerosene, which was cheap and bright but demanded care, since its vapour could "
    "explode. Keepers trimmed wicks, polished brass and glass, wound the clockwork every few hours "
    "and logged the weather. Many lived with their families at isolated stations, and the work "
    "passed from parents to children. Electricity arrived in the late nineteenth century at a few "
    "stations with their own generators, and over the twentieth century automatic lamp changers, "
    "sun valves that turned acetylene lights on at dusk and off at dawn, and finally remote "
    "monitoring made resident keepers unnecessary. Today most lighthouses run unattended, many with "
    "small LED lanterns and solar panels, and satellite navigation has made them a backup rather "
    "than the primary aid for most ships. Yet the towers remain, and in fog, in a power failure or "
    "when electronics fail, a light on a headland is still the simplest signal a sailor can trust.";

std::vector<std::string> LongPrompts() {
  const char* tasks[] = {
      "Read the passage below and write a structured summary with one bullet per era (fire, oil "
      "lamps and reflectors, Fresnel lenses, kerosene, electricity and automation), each bullet "
      "naming the key technology and why it mattered.",
      "Using only the passage below, answer: why was the Fresnel lens an improvement over both a "
      "solid lens and reflectors, how did sailors tell one light from another, and what made "
      "kerosene both attractive and dangerous? Quote the passage where you can.",
      "Write a short story of about three hundred words told by the child of a lighthouse keeper "
      "in the late nineteenth century, consistent with every fact in the passage below, and "
      "mentioning at least four of the tasks the keepers performed.",
  };
  std::vector<std::string> out;
  for (const char* t : tasks) out.push_back(std::string(t) + "\n\n" + kPassage);
  return out;
}

Result<PromptSet> BuiltIn(const std::string& name) {
  if (name == "short") return PromptSet{name, kShort};
  if (name == "medium") return PromptSet{name, kMedium};
  if (name == "long") return PromptSet{name, LongPrompts()};
  return InvalidArgument("unknown prompt set '" + name +
                         "' (built-in sets: short, medium, long; or the path of a prompt file)");
}

}  // namespace

Result<PromptSet> LoadPromptFile(const std::string& path) {
  std::ifstream f(path);
  if (!f) return NotFound("cannot read prompt file '" + path + "'");
  std::stringstream ss;
  ss << f.rdbuf();
  const std::string text = ss.str();
  PromptSet set{std::filesystem::path(path).filename().string(), {}};
  const size_t first = text.find_first_not_of(" \t\r\n");
  if (first != std::string::npos && text[first] == '[') {
    auto j = nlohmann::json::parse(text, nullptr, /*allow_exceptions=*/false);
    if (j.is_discarded() || !j.is_array())
      return InvalidArgument("prompt file '" + path + "' starts with '[' but is not a JSON list");
    for (const auto& p : j) {
      if (!p.is_string() || p.get_ref<const std::string&>().empty())
        return InvalidArgument("prompt file '" + path + "': every JSON list item must be a non-empty string");
      set.prompts.push_back(p.get<std::string>());
    }
  } else {
    std::istringstream lines(text);
    for (std::string line; std::getline(lines, line);) {
      if (!line.empty() && line.back() == '\r') line.pop_back();
      if (line.find_first_not_of(" \t") != std::string::npos) set.prompts.push_back(line);
    }
  }
  if (set.prompts.empty()) return InvalidArgument("prompt file '" + path + "' holds no prompts");
  return set;
}

Result<std::vector<PromptSet>> ResolvePromptSets(const std::string& arg) {
  std::error_code ec;
  if (std::filesystem::is_regular_file(arg, ec)) {
    auto set = LoadPromptFile(arg);
    if (!set.ok()) return set.status();
    return std::vector<PromptSet>{std::move(set).value()};
  }
  std::vector<PromptSet> sets;
  size_t pos = 0;
  while (true) {
    const size_t comma = arg.find(',', pos);
    auto set = BuiltIn(arg.substr(pos, comma == std::string::npos ? std::string::npos : comma - pos));
    if (!set.ok()) return set.status();
    sets.push_back(std::move(set).value());
    if (comma == std::string::npos) break;
    pos = comma + 1;
  }
  return sets;
}

}  // namespace vllm::bench
