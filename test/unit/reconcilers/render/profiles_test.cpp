#include "reconcilers/render/profiles.h"

#include <unistd.h>

#include <catch2/catch.hpp>
#include <filesystem>
#include <fstream>

#include "reconcilers/api/json_tree.h"

using namespace iop::reconcilers;
using nlohmann::json;

TEST_CASE("All eight profiles are built in", "[profiles]") {
  CHECK(ProfileSource().names() == std::set<std::string>{"ambient", "default", "demo", "empty", "minimal",
                                                         "preview", "remote", "stable"});
}

TEST_CASE("Every profile is overlaid on default", "[profiles]") {
  ProfileSource p;
  std::string err;
  auto minimal = p.resolve("minimal", err);
  REQUIRE(minimal);
  // From default: hub, tag, namespaces and the components minimal does not mention.
  CHECK(getString(*minimal, "spec.hub") == "registry.istio.io/testing");
  CHECK(getString(*minimal, "spec.tag") == "latest");
  CHECK(getString(*minimal, "spec.values.global.istioNamespace") == "istio-system");
  CHECK(getBool(*minimal, "spec.components.pilot.enabled"));
  // From minimal: its gateway list replaces default's.
  CHECK((*minimal)["spec"]["components"]["ingressGateways"] ==
        json::array({{{"name", "istio-ingressgateway"}, {"enabled", false}}}));
  // default's egress list is kept since minimal does not set one.
  CHECK(getString(*minimal, "spec.components.egressGateways.[0].name") == "istio-egressgateway");

  auto empty = p.resolve("empty", err);
  REQUIRE(empty);
  CHECK_FALSE(getBool(*empty, "spec.components.base.enabled", true));
  CHECK_FALSE(getBool(*empty, "spec.components.pilot.enabled", true));

  auto demo = p.resolve("demo", err);
  REQUIRE(demo);
  CHECK(getString(*demo, "spec.values.profile") == "demo");
  CHECK(getBool(*demo, "spec.components.egressGateways.[0].enabled"));
  CHECK(getBool(*demo, "spec.components.ingressGateways.[0].enabled"));

  auto ambient = p.resolve("ambient", err);
  REQUIRE(ambient);
  CHECK(getBool(*ambient, "spec.components.cni.enabled"));
  CHECK(getBool(*ambient, "spec.components.ztunnel.enabled"));

  for (const char* name : {"remote", "preview", "stable"}) {
    auto prof = p.resolve(name, err);
    REQUIRE(prof);
    CHECK(getString(*prof, "spec.values.profile") == name);
  }
  auto def = p.resolve("", err);
  REQUIRE(def);
  CHECK(getBool(*def, "spec.components.ingressGateways.[0].enabled"));
}

TEST_CASE("An unknown profile is reported", "[profiles]") {
  std::string err;
  CHECK_FALSE(ProfileSource().resolve("nope", err));
  CHECK_THAT(err, Catch::Contains("\"nope\" not found"));
}

TEST_CASE("A manifests directory replaces the built-in profiles", "[profiles]") {
  namespace fs = std::filesystem;
  fs::path dir = fs::temp_directory_path() / ("iop-profiles-" + std::to_string(::getpid()));
  fs::create_directories(dir / "profiles");
  std::ofstream(dir / "profiles" / "default.yaml") << "spec:\n  hub: example.com/mine\n  tag: t1\n";
  std::ofstream(dir / "profiles" / "tiny.yaml") << "spec:\n  tag: t2\n";
  ProfileSource p(dir.string());
  CHECK(p.names() == std::set<std::string>{"default", "tiny"});
  std::string err;
  auto tiny = p.resolve("tiny", err);
  REQUIRE(tiny);
  CHECK(getString(*tiny, "spec.hub") == "example.com/mine");
  CHECK(getString(*tiny, "spec.tag") == "t2");
  CHECK_FALSE(p.resolve("minimal", err));
  fs::remove_all(dir);
}
