#include "reconcilers/api/json_tree.h"

#include <catch2/catch.hpp>

using namespace iop::reconcilers;
using nlohmann::json;

TEST_CASE("deepMerge merges maps recursively and replaces lists and scalars whole", "[merge]") {
  json base = {{"a", {{"x", 1}, {"y", 2}}}, {"gws", {{{"name", "a"}}, {{"name", "b"}}}}, {"s", "old"}};
  json overlay = {{"a", {{"y", 3}, {"z", 4}}}, {"gws", {{{"name", "c"}}}}, {"s", nullptr}};
  deepMerge(base, overlay);
  CHECK(base["a"] == json({{"x", 1}, {"y", 3}, {"z", 4}}));
  CHECK(base["gws"] ==
        json::array({{{"name", "c"}}}));  // istioctl: a CR's gateway list replaces the profile's
  CHECK(base["s"].is_null());
}

TEST_CASE("splitPath understands escaped dots and list selectors", "[path]") {
  CHECK(splitPath("a.b\\.c.[name:x].d") == std::vector<std::string>{"a", "b.c", "[name:x]", "d"});
  CHECK(splitPath("a.b[0].c") == std::vector<std::string>{"a", "b", "[0]", "c"});
}

TEST_CASE("setPath creates maps indexes and selects list elements", "[path]") {
  json root = {{"spec", {{"components", {{"ingressGateways", {{{"name", "gw"}, {"enabled", false}}}}}}}}};
  CHECK_FALSE(setPath(root, "spec.values.global.hub", "h"));
  CHECK(root["spec"]["values"]["global"]["hub"] == "h");
  CHECK_FALSE(setPath(root, "spec.components.ingressGateways.[name:gw].enabled", true));
  CHECK(root["spec"]["components"]["ingressGateways"][0]["enabled"] == true);
  CHECK_FALSE(setPath(root, "spec.components.ingressGateways[1].name", "second"));
  CHECK(root["spec"]["components"]["ingressGateways"][1]["name"] == "second");
  auto err = setPath(root, "spec.components.ingressGateways.[name:nope].enabled", true);
  REQUIRE(err);
  CHECK_THAT(*err, Catch::Contains("[name:nope]"));
}

TEST_CASE("getPath reads indexes and key selectors", "[path]") {
  json root = {{"l", {{{"name", "a"}, {"v", 1}}, {{"name", "b"}, {"v", 2}}}}};
  CHECK(getPath(root, "l.[name:b].v") == json(2));
  CHECK(getPath(root, "l.[0].v") == json(1));
  CHECK_FALSE(getPath(root, "l.[5].v"));
  CHECK_FALSE(getPath(root, "m.n"));
}

TEST_CASE("Values of --set flags are typed like istioctl's", "[set]") {
  CHECK(parseSetValue("spec.values.pilot.replicaCount", "3") == json(3));
  CHECK(parseSetValue("spec.values.pilot.autoscaleEnabled", "false") == json(false));
  CHECK(parseSetValue("spec.values.pilot.traceSampling", "0.5") == json(0.5));
  CHECK(parseSetValue("spec.values.global.hub", "docker.io/istio") == json("docker.io/istio"));
  CHECK(parseSetValue("spec.tag", "1.2") == json("1.2"));  // tags are always strings
  CHECK(parseSetValue("spec.values.x", "a\\,b") == json("a,b"));
}
