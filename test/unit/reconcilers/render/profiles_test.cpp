#include "reconcilers/render/profiles.h"

#include <catch2/catch.hpp>
#include <filesystem>

#include "reconcilers/api/json_tree.h"
#include "test/support/istio_release.h"

using namespace iop::reconcilers;
using nlohmann::json;

TEST_CASE("The compiled-in profiles are exactly the pinned Istio release's", "[profiles]") {
  std::set<std::string> release;
  for (const auto& e : std::filesystem::directory_iterator(iop::test::istioManifestsDir() + "/profiles"))
    if (e.path().extension() == ".yaml") release.insert(e.path().stem().string());
  CHECK(IstioManifests::compiledIn()->profileNames() == release);
  CHECK(release.count("default"));
  CHECK(release.count("ambient"));
}

TEST_CASE("Every profile is overlaid on default", "[profiles]") {
  const auto& m = *IstioManifests::compiledIn();
  std::string err;
  auto minimal = resolveProfile(m, "minimal", err);
  REQUIRE(minimal);
  // From default: hub, tag, namespaces and the components minimal does not mention.
  CHECK(getString(*minimal, "spec.values.global.istioNamespace") == "istio-system");
  CHECK(getBool(*minimal, "spec.components.pilot.enabled"));
  CHECK(getString(*minimal, "spec.components.egressGateways.[0].name") == "istio-egressgateway");

  auto empty = resolveProfile(m, "empty", err);
  REQUIRE(empty);
  CHECK_FALSE(getBool(*empty, "spec.components.pilot.enabled", true));

  auto ambient = resolveProfile(m, "ambient", err);
  REQUIRE(ambient);
  CHECK(getBool(*ambient, "spec.components.cni.enabled"));
  CHECK(getBool(*ambient, "spec.components.ztunnel.enabled"));

  auto def = resolveProfile(m, "", err);
  REQUIRE(def);
  CHECK(getBool(*def, "spec.components.ingressGateways.[0].enabled"));
}

TEST_CASE("Profiles are read as Go reads JSON: every number a float64", "[profiles]") {
  iop::test::ManifestsCopy copy;
  copy.write("profiles/numbers.yaml", "spec:\n  values:\n    pilot:\n      replicaCount: 3\n");
  auto m = IstioManifests::fromDirectory(copy.dir());
  REQUIRE(m.ok());
  std::string err;
  auto p = resolveProfile(**m, "numbers", err);
  REQUIRE(p);
  CHECK((*p)["spec"]["values"]["pilot"]["replicaCount"].is_number_float());
}

TEST_CASE("An unknown profile is reported with the known ones", "[profiles]") {
  std::string err;
  CHECK_FALSE(resolveProfile(*IstioManifests::compiledIn(), "nope", err));
  CHECK_THAT(err, Catch::Contains("\"nope\" not found"));
  CHECK_THAT(err, Catch::Contains("minimal"));
}

TEST_CASE("A manifests directory replaces the compiled-in profiles", "[profiles]") {
  iop::test::ManifestsCopy copy;
  copy.write("profiles/default.yaml", "spec:\n  hub: example.com/mine\n  tag: t1\n");
  copy.write("profiles/tiny.yaml", "spec:\n  tag: t2\n");
  auto m = IstioManifests::fromDirectory(copy.dir());
  REQUIRE(m.ok());
  CHECK((*m)->profileNames().count("tiny"));
  std::string err;
  auto tiny = resolveProfile(**m, "tiny", err);
  REQUIRE(tiny);
  CHECK(getString(*tiny, "spec.hub") == "example.com/mine");
  CHECK(getString(*tiny, "spec.tag") == "t2");
}
