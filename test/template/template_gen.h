#pragma once

// Random templates and values from a grammar, for the differential fuzzer: actions, pipelines,
// parenthesised commands, functions of the chart vocabulary, whitespace trimming, variables,
// if/with/range (with else, break, continue), define/include/template, and values with nil,
// nested maps, lists, floats, ints, booleans and strings that YAML and Go treat specially.
// Deterministic for a seed. Avoids what Go itself renders nondeterministically (map order of
// `keys`/`values`, time, randomness).

#include <nlohmann/json.hpp>
#include <random>
#include <string>

namespace iop::tmpl::test {

struct GeneratedCase {
  nlohmann::json files;   // templates/t.yaml and maybe templates/_h.tpl
  nlohmann::json values;  // JSON values (numbers become float64 on both sides)
};

class TemplateGenerator {
 public:
  explicit TemplateGenerator(std::uint64_t seed) : rng_(seed) {}
  GeneratedCase next();

 private:
  std::mt19937_64 rng_;
  int vars_ = 0;
  bool inRange_ = false;
  // Dot is the whole render values (whose *Capabilities Go prints as an address) at the top of
  // t.yaml; inside with/range and in the helper it is something printable.
  int dotDepth_ = 0;
  bool inHelper_ = false;

  int pick(int n) { return static_cast<int>(std::uniform_int_distribution<int>(0, n - 1)(rng_)); }
  bool chance(int percent) { return pick(100) < percent; }

  nlohmann::json value(int depth);
  std::string scalarString();
  std::string text();
  std::string block(int depth);
  std::string action(int depth);
  std::string pipeline(int depth);
  std::string command(int depth);
  std::string operand(int depth);
  std::string field();
  std::string literal();
  std::string open();
  std::string close();
};

}  // namespace iop::tmpl::test
