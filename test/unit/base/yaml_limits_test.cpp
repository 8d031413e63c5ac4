// Hostile YAML: whatever the text, reading it ends quickly with a value or a YamlError that says
// what and where, never a crash, a hang or gigabytes (issue 18, class 1).
#include <catch2/catch.hpp>
#include <string>

#include "base/yaml_json.h"

using iop::base::jsonToYaml;
using iop::base::yamlDocumentsToJson;
using iop::base::YamlError;
using nlohmann::json;

namespace {

// The message of the YamlError reading `text` throws, or "" when it reads.
std::string errorOf(const std::string& text, const iop::base::YamlLimits& limits = {}) {
  try {
    yamlDocumentsToJson(text, limits);
  } catch (const YamlError& e) {
    return e.what();
  }
  return "";
}

std::string pathOf(const std::string& text) {
  try {
    yamlDocumentsToJson(text);
  } catch (const YamlError& e) {
    return e.path();
  }
  return "";
}

}  // namespace

TEST_CASE("an alias bomb of a few hundred bytes is refused at the alias budget", "[yaml][hostile]") {
  std::string text = "a0: &a0 [x, x, x, x, x, x, x, x, x, x]\n";
  for (int i = 1; i < 10; ++i) {
    text += "a" + std::to_string(i) + ": &a" + std::to_string(i) + " [";
    for (int k = 0; k < 10; ++k) text += (k ? ", *a" : "*a") + std::to_string(i - 1);
    text += "]\n";
  }
  REQUIRE(text.size() < 1024);
  CHECK_THAT(errorOf(text), Catch::Contains("aliases expand to more than"));
}

TEST_CASE("a self-referencing alias is a cycle, refused", "[yaml][hostile]") {
  CHECK_THAT(errorOf("values: &a [*a]\n"), Catch::Contains("cycle"));
  CHECK_THAT(errorOf("a: &a {b: *a}\n"), Catch::Contains("cycle"));
  CHECK(pathOf("spec:\n  values: &a [1, *a]\n") == "spec.values[1]");
}

TEST_CASE("aliases within budget are expanded as copies", "[yaml][hostile]") {
  auto docs = yamlDocumentsToJson("base: &b {x: 1}\nother: *b\n");
  REQUIRE(docs.size() == 1);
  CHECK(docs[0]["other"] == json{{"x", 1}});
}

TEST_CASE("a key given twice in one map is refused with its path", "[yaml][hostile]") {
  CHECK_THAT(errorOf("spec:\n  profile: a\n  profile: b\n"), Catch::Contains("given twice"));
  CHECK(pathOf("spec:\n  profile: a\n  profile: b\n") == "spec.profile");
  CHECK(pathOf("a: 1\nspec: {}\nspec: {}\n") == "spec");
}

TEST_CASE("30,000 digits read without a crash: plain they are out of range, quoted a string",
          "[yaml][hostile]") {
  const std::string digits(30000, '7');
  CHECK_THAT(errorOf("x: " + digits + "\n"), Catch::Contains("out of range"));
  auto docs = yamlDocumentsToJson("x: \"" + digits + "\"\n");
  CHECK(docs[0]["x"] == digits);
  // Written back, a string of digits is quoted (the check of that is hand-written too).
  CHECK(yamlDocumentsToJson(jsonToYaml(docs[0]))[0] == docs[0]);
}

TEST_CASE("numbers no double holds are refused; those beyond 64 bits become floats", "[yaml][hostile]") {
  CHECK_THAT(errorOf("x: 1e999\n"), Catch::Contains("1e999 is out of range"));
  CHECK(pathOf("a:\n  b: [1, -1e400]\n") == "a.b[1]");
  auto docs = yamlDocumentsToJson("x: 99999999999999999999\ny: 2147483648\n");
  CHECK(docs[0]["x"].is_number_float());
  CHECK(docs[0]["y"] == 2147483648LL);
}

TEST_CASE("NUL bytes and control characters are refused, raw or escaped", "[yaml][hostile]") {
  CHECK_THAT(errorOf(std::string("a: b\0c\n", 7)), Catch::Contains("a NUL byte at line 1, column 5"));
  CHECK_THAT(errorOf("a: \"b\\0c\"\n"), Catch::Contains("a NUL byte is not allowed"));
  CHECK(pathOf("a:\n  b: \"x\\x07\"\n") == "a.b");
  CHECK(errorOf("a: \"tab\\there\"\n").empty());
}

TEST_CASE("nesting beyond the depth limit is refused, not a stack overflow", "[yaml][hostile]") {
  // 100,000 levels of well-formed flow lists: refused at level 256, while yaml-cpp's recursive
  // parser is still shallow.
  CHECK_THAT(errorOf(std::string(100000, '[') + std::string(100000, ']')),
             Catch::Contains("nested more than 256 levels"));
  // Unterminated, yaml-cpp reads the first '[' as a map's key: an error, never a crash.
  CHECK_FALSE(errorOf(std::string(100000, '[')).empty());
  iop::base::YamlLimits limits;
  limits.maxDepth = 3;
  CHECK(errorOf("a: {b: {c: 1}}\n", limits).empty());
  CHECK_THAT(errorOf("a: {b: {c: {d: 1}}}\n", limits),
             Catch::Contains("a.b.c: maps and lists nested more than 3"));
}

TEST_CASE("an input larger than its byte budget is refused before it is parsed", "[yaml][hostile]") {
  iop::base::YamlLimits limits;
  limits.maxBytes = 10;
  CHECK_THAT(errorOf("a: 12345678901\n", limits), Catch::Contains("at most 10 are read"));
}

TEST_CASE("the hand-written number forms match YAML's core schema on long inputs", "[yaml][hostile]") {
  CHECK(iop::base::isYamlInt(std::string(100000, '1')));
  CHECK_FALSE(iop::base::isYamlInt("01"));
  CHECK(iop::base::isYamlFloat("-.5e+3"));
  CHECK(iop::base::isYamlFloat("1."));
  CHECK_FALSE(iop::base::isYamlFloat("."));
  CHECK_FALSE(iop::base::isYamlFloat("1e"));
  CHECK_FALSE(iop::base::isYamlFloat(std::string(100000, '1') + "x"));
}
