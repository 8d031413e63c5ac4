#include "base/yaml_json.h"

#include <catch2/catch.hpp>

using iop::base::jsonToYaml;
using iop::base::yamlDocumentsToJson;
using nlohmann::json;

TEST_CASE("YAML plain scalars become typed JSON quoted ones stay strings", "[yaml]") {
  auto docs = iop::base::yamlDocumentsToJson("a: 1\nb: \"1\"\nc: true\nd: 1.5\ne: ~\nf: 1-8-0\ng: 'true'\n");
  REQUIRE(docs.size() == 1);
  CHECK(docs[0]["a"] == 1);
  CHECK(docs[0]["b"] == "1");
  CHECK(docs[0]["c"] == true);
  CHECK(docs[0]["d"] == 1.5);
  CHECK(docs[0]["e"].is_null());
  CHECK(docs[0]["f"] == "1-8-0");
  CHECK(docs[0]["g"] == "true");
}

TEST_CASE("YAML with several documents yields one JSON value each", "[yaml]") {
  CHECK(iop::base::yamlDocumentsToJson("a: 1\n---\nb: 2\n").size() == 2);
}

TEST_CASE("A YAML syntax error names its line", "[yaml]") {
  try {
    iop::base::yamlDocumentsToJson("a: [1, 2\nb: 3\n");
    FAIL("expected an exception");
  } catch (const std::runtime_error& e) {
    CHECK_THAT(e.what(), Catch::Contains("line"));
  }
}

TEST_CASE("JSON renders to YAML that reads back to the same value", "[yaml]") {
  json v = {{"s", "true"},
            {"n", "15014"},
            {"e", ""},
            {"i", 3},
            {"b", false},
            {"l", {1, "x"}},
            {"m", {{"k", "multi\nline"}, {"t", "block\n"}}},
            {"o", json::object()},
            {"z", nullptr},
            {"y", "yes"}};
  auto back = iop::base::yamlDocumentsToJson(iop::base::jsonToYaml(v));
  REQUIRE(back.size() == 1);
  CHECK(back[0] == v);
}

TEST_CASE("A control character YAML does not allow is an error naming where, never bytes JSON cannot hold",
          "[yaml]") {
  // yaml-cpp would read this NUL into bytes that are not UTF-8, and dump() would throw later.
  CHECK_THROWS_WITH(yamlDocumentsToJson(std::string("a: b\nc: conta\0_ID\n", 17)),
                    Catch::Contains("a NUL byte at line 2, column 9"));
  CHECK_THROWS_WITH(yamlDocumentsToJson("a: \x7f\n"), Catch::Contains("U+007F"));
  CHECK(yamlDocumentsToJson("a:\tb\r\nc: d\n").front()["c"] == "d");
}

TEST_CASE("A YAML \\x escape is a character, as in Go's YAML, so JSON can hold it", "[yaml]") {
  CHECK(yamlDocumentsToJson("a: \"x\\xA0\"\n").front()["a"] == "x\xC2\xA0");
  CHECK(yamlDocumentsToJson("\"k\\xff\": 1\n").front().contains("k\xC3\xBF"));
  CHECK(yamlDocumentsToJson("a: \"\\u00A0\"\n").front()["a"] == "\xC2\xA0");
}
