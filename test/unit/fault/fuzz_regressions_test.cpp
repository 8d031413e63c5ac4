// Inputs the libFuzzer targets (fuzz/) found, as plain unit tests: each once crashed or hung iop.
#include <catch2/catch.hpp>

#include "reconcilers/istio_operator.h"
#include "reconcilers/yaml_json.h"

using namespace iop::reconcilers;

TEST_CASE("YAML that made yaml-cpp's LoadAll loop forever is a syntax error", "[fault][fuzz]") {
  CHECK_THROWS_WITH(yamlDocumentsToJson(",- &a\n"), Catch::Contains("unexpected content after the document"));
  auto parsed = parseIstioOperator(",- &a\n");
  CHECK_FALSE(parsed.ok());
}

TEST_CASE("text that is not UTF-8 is refused where YAML is read, with its line and column", "[fault][fuzz]") {
  CHECK_THROWS_WITH(yamlDocumentsToJson("a: 1\nb: caf\xe9\n"),
                    Catch::Contains("not UTF-8: invalid byte at line 2, column 7"));
  CHECK_THROWS(yamlDocumentsToJson("x: \xed\xa0\x80\n"));  // an encoded surrogate
  CHECK(yamlDocumentsToJson("x: caf\xc3\xa9\n").front()["x"] == "caf\xc3\xa9");
}

TEST_CASE("several documents still split as before", "[fault][fuzz]") {
  auto docs = yamlDocumentsToJson("# c\n---\na: 1\n--- \nb: [1, 2]\n---\n# only a comment\n");
  REQUIRE(docs.size() == 2);
  CHECK(docs[0]["a"] == 1);
  CHECK(docs[1]["b"].size() == 2);
}
