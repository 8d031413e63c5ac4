#pragma once

#include <cstddef>
#include <nlohmann/json.hpp>
#include <stdexcept>
#include <string>
#include <vector>

// Conversion between YAML text and the JSON object model. YAML is read once at the edge (files,
// profiles) and everything behind it works on nlohmann::json, the model Kubernetes speaks.
namespace iop::base {

// What one YAML text may cost to read. Every limit holds on any input, in time and memory
// proportional to the text plus the limits: a hostile file gets a YamlError, never a crash, a
// hang or gigabytes. The defaults suit both user files and rendered chart output (which is
// large but shallow and never uses aliases); callers reading untrusted files add maxBytes.
struct YamlLimits {
  std::size_t maxBytes = SIZE_MAX;   // the text itself
  std::size_t maxDepth = 256;        // maps and lists inside each other, after alias expansion
  std::size_t maxNodes = 2'000'000;  // values of all documents, after alias expansion
  // What aliases (*name) may copy in total: an alias repeats its anchor's whole value, so ten
  // nested aliases of ten can turn a few hundred bytes into 10^10 nodes ("billion laughs").
  std::size_t maxAliasNodes = 100'000;
  std::size_t maxAliasBytes = 4 * 1024 * 1024;  // string bytes copied by aliases
};

// A YAML text that cannot be read: a syntax error, a value no JSON can hold (a number out of
// range, a NUL byte, a key given twice) or a limit exceeded. what() says it all, with the line
// and column; path() is the dotted path of the value it concerns ("spec.values.x[2]"), "" when
// the problem is not inside a value.
class YamlError : public std::runtime_error {
 public:
  YamlError(std::string path, const std::string& message)
      : std::runtime_error(message), path_(std::move(path)) {}
  const std::string& path() const { return path_; }

 private:
  std::string path_;
};

// Parses every document of a YAML (or JSON, a YAML subset) text. Plain scalars become JSON
// booleans, integers, floats or null the way YAML 1.2's core schema reads them; quoted scalars
// stay strings. A key given twice in one map is an error (YAML forbids it; Go's decoders would
// silently keep the last), as are numbers JSON cannot hold (1e999, integers beyond 64 bits),
// NUL and other control bytes, and text that is not UTF-8. Throws YamlError (a
// std::runtime_error) with the line and column; never crashes, whatever the text.
std::vector<nlohmann::json> yamlDocumentsToJson(const std::string& text, const YamlLimits& limits = {});

// Renders a JSON value as one YAML document (no leading "---"). Strings that YAML would read
// back as another type ("true", "1.0", "") are quoted, so a round trip keeps types.
std::string jsonToYaml(const nlohmann::json& value);

// Whether YAML's core schema would read the plain scalar `s` as an integer / a float (the forms
// yamlDocumentsToJson turns into numbers). Linear in s, no regular expressions.
bool isYamlInt(const std::string& s);
bool isYamlFloat(const std::string& s);

}  // namespace iop::base
