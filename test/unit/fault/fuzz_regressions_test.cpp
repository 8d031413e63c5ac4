// Inputs the libFuzzer targets (fuzz/) found, as plain unit tests: each once crashed or hung iop.
#include <catch2/catch.hpp>

#include "base/yaml_json.h"
#include "reconcilers/api/istio_operator.h"
#include "reconcilers/render/render.h"

using namespace iop::reconcilers;

TEST_CASE("YAML that made yaml-cpp's LoadAll loop forever is a syntax error", "[fault][fuzz]") {
  CHECK_THROWS_WITH(iop::base::yamlDocumentsToJson(",- &a\n"),
                    Catch::Contains("unexpected content after the document"));
  auto parsed = parseIstioOperator(",- &a\n");
  CHECK_FALSE(parsed.ok());
}

TEST_CASE("text that is not UTF-8 is refused where YAML is read, with its line and column", "[fault][fuzz]") {
  CHECK_THROWS_WITH(iop::base::yamlDocumentsToJson("a: 1\nb: caf\xe9\n"),
                    Catch::Contains("not UTF-8: invalid byte at line 2, column 7"));
  CHECK_THROWS(iop::base::yamlDocumentsToJson("x: \xed\xa0\x80\n"));  // an encoded surrogate
  CHECK(iop::base::yamlDocumentsToJson("x: caf\xc3\xa9\n").front()["x"] == "caf\xc3\xa9");
}

TEST_CASE("several documents still split as before", "[fault][fuzz]") {
  auto docs = iop::base::yamlDocumentsToJson("# c\n---\na: 1\n--- \nb: [1, 2]\n---\n# only a comment\n");
  REQUIRE(docs.size() == 2);
  CHECK(docs[0]["a"] == 1);
  CHECK(docs[1]["b"].size() == 2);
}

TEST_CASE("overlays with null entries, names or paths are reported, not thrown", "[fault][fuzz]") {
  auto parsed = parseIstioOperator(
      "apiVersion: install.istio.io/v1alpha1\nkind: IstioOperator\nmetadata: {name: x}\nspec:\n"
      "  profile: empty\n  components:\n    ingressGateways:\n    - name: gw\n      enabled: true\n"
      "      k8s:\n        overlays:\n        - null\n        - kind: Deployment\n          name: # null\n"
      "          patches: [{path: spec.replicas, value: 2}]\n        - kind: Deployment\n          name: gw\n"
      "          patches: [null, {path: null, value: 1}]\n");
  REQUIRE(parsed.ok());
  auto rendered = render(*parsed.iop);
  std::string all;
  for (const auto& e : rendered.errors) all += e.str() + "\n";
  INFO(all);
  CHECK(all.find("internal rendering error") == std::string::npos);
  CHECK(all.find("overlays[1]: no rendered Deployment named \"\"") != std::string::npos);
  CHECK(all.find("overlays[2].patches[1].path: empty path") != std::string::npos);
}
