#pragma once

#include <CLI/CLI.hpp>
#include <optional>
#include <string>
#include <vector>

// What `iop instal` says: the verb it did not know and the nearest one it does. Used by main()
// when CLI11 refuses the command line.
namespace iop::cmd {

// The candidate closest to `word` by edit distance (insertions, deletions, substitutions and
// swaps of neighbours), when it is close enough to be a typo of it: at most 2 edits, and fewer
// than half of the word's letters; a candidate that starts with `word` (`iop oper`) always is.
// Nullopt otherwise. Ties go to the earlier candidate. Pure.
std::optional<std::string> nearest(const std::string& word, const std::vector<std::string>& candidates);

// When `args` (argv without the program) names a verb `app` does not have, e.g. "instal" or
// "operator int": "unknown verb \"instal\" for \"iop\"; did you mean \"install\"?" (or without
// the suggestion when none is near). Nullopt when every word before the flags is a known verb.
std::optional<std::string> unknownVerb(const CLI::App& app, const std::vector<std::string>& args);

}  // namespace iop::cmd
