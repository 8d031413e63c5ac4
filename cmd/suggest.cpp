#include "cmd/suggest.h"

#include <algorithm>

namespace iop::cmd {

namespace {

// Optimal string alignment distance: Levenshtein plus swaps of neighbours ("isntall").
std::size_t distance(const std::string& a, const std::string& b) {
  std::vector<std::vector<std::size_t>> d(a.size() + 1, std::vector<std::size_t>(b.size() + 1));
  for (std::size_t i = 0; i <= a.size(); ++i) d[i][0] = i;
  for (std::size_t j = 0; j <= b.size(); ++j) d[0][j] = j;
  for (std::size_t i = 1; i <= a.size(); ++i)
    for (std::size_t j = 1; j <= b.size(); ++j) {
      std::size_t cost = a[i - 1] == b[j - 1] ? 0 : 1;
      d[i][j] = std::min({d[i - 1][j] + 1, d[i][j - 1] + 1, d[i - 1][j - 1] + cost});
      if (i > 1 && j > 1 && a[i - 1] == b[j - 2] && a[i - 2] == b[j - 1])
        d[i][j] = std::min(d[i][j], d[i - 2][j - 2] + 1);
    }
  return d[a.size()][b.size()];
}

}  // namespace

std::optional<std::string> nearest(const std::string& word, const std::vector<std::string>& candidates) {
  std::optional<std::string> best;
  std::size_t bestDistance = 0;
  for (const auto& c : candidates) {
    if (!word.empty() && c.starts_with(word)) return c;
    const std::size_t d = distance(word, c);
    if (d > 2 || 2 * d >= word.size()) continue;
    if (!best || d < bestDistance) {
      best = c;
      bestDistance = d;
    }
  }
  return best;
}

std::optional<std::string> unknownVerb(const CLI::App& app, const std::vector<std::string>& args) {
  const CLI::App* current = &app;
  std::string path = app.get_name();
  for (const auto& arg : args) {
    if (arg.starts_with("-")) return std::nullopt;  // flags: CLI11's message says what is wrong
    auto subcommands = current->get_subcommands([](const CLI::App*) { return true; });
    if (subcommands.empty()) return std::nullopt;  // a verb's own arguments
    const CLI::App* next = nullptr;
    std::vector<std::string> names;
    for (const auto* s : subcommands) {
      names.push_back(s->get_name());
      if (s->check_name(arg)) next = s;
    }
    if (!next) {
      auto near = nearest(arg, names);
      return "unknown verb \"" + arg + "\" for \"" + path + "\"" +
             (near ? "; did you mean \"" + *near + "\"?" : ".") + " Run '" + path + " --help' for the verbs.";
    }
    current = next;
    path += " " + next->get_name();
  }
  return std::nullopt;
}

}  // namespace iop::cmd
