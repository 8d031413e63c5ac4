// `iop manifest generate` as users run it: the built binary, its output and exit codes.
#include <unistd.h>

#include <catch2/catch.hpp>
#include <filesystem>
#include <fstream>

#include "base/yaml_json.h"
#include "test/support/process.h"

namespace {

std::string writeFile(const std::string& name, const std::string& text) {
  auto dir = std::filesystem::temp_directory_path() / ("iop-cli-" + std::to_string(::getpid()));
  std::filesystem::create_directories(dir);
  auto path = dir / name;
  std::ofstream(path) << text;
  return path.string();
}

}  // namespace

TEST_CASE("manifest generate prints the CR's objects as YAML documents and exits 0", "[cli]") {
  auto file = writeFile(
      "cp.yaml",
      "apiVersion: install.istio.io/v1alpha1\nkind: IstioOperator\nmetadata:\n  name: control-plane\n"
      "spec:\n  profile: minimal\n");
  auto r = iop::test::run(
      {IOP_BINARY, "manifest", "generate", "-f", file, "--revision", "1-8-0", "--component", "Pilot"});
  REQUIRE(r.exitCode == 0);
  auto docs = iop::base::yamlDocumentsToJson(r.out);
  REQUIRE(docs.size() > 10);
  bool istiod = false;
  for (const auto& d : docs) {
    CHECK(d["metadata"]["labels"]["operator.istio.io/component"] == "Pilot");
    istiod |= d["kind"] == "Deployment" && d["metadata"]["name"] == "istiod-1-8-0";
  }
  CHECK(istiod);
}

TEST_CASE("manifest generate reports invalid input with the field path and exits 1", "[cli]") {
  auto file = writeFile(
      "gw.yaml",
      "apiVersion: install.istio.io/v1alpha1\nkind: IstioOperator\nmetadata:\n  name: gateway\nspec:\n"
      "  profile: empty\n  revision: 1.8.0\n  components:\n    ingressGateway:\n    - name: "
      "istio-ingressgateway\n");
  auto r = iop::test::run({IOP_BINARY, "manifest", "generate", "-f", file});
  CHECK(r.exitCode == 2);
  CHECK_THAT(
      r.out,
      Catch::Contains("error: spec.components.ingressGateway: unknown field; did you mean ingressGateways?"));
  CHECK_THAT(r.out, Catch::Contains("error: spec.revision:"));
  CHECK_THAT(r.out, Catch::Contains("dots are not allowed"));
}

TEST_CASE("manifest generate fails on a missing file a bad --set and an unknown component", "[cli]") {
  CHECK(iop::test::run({IOP_BINARY, "manifest", "generate", "-f", "/nonexistent/iop.yaml"}).exitCode == 2);
  auto set =
      iop::test::run({IOP_BINARY, "manifest", "generate", "--set", "components.pilot.k8s.replicaCount=many"});
  CHECK(set.exitCode == 2);
  CHECK_THAT(set.out, Catch::Contains("spec.components.pilot.k8s.replicaCount: expected an integer"));
  auto comp = iop::test::run({IOP_BINARY, "manifest", "generate", "--component", "Sidecar"});
  CHECK(comp.exitCode == 2);
  CHECK_THAT(comp.out, Catch::Contains("unknown component"));
}

TEST_CASE("manifest generate --help shows an example", "[cli]") {
  auto r = iop::test::run({IOP_BINARY, "manifest", "generate", "--help"});
  CHECK(r.exitCode == 0);
  CHECK_THAT(r.out, Catch::Contains("iop manifest generate -f control-plane.yaml --revision 1-8-0"));
}
