// The field comparison behind `iop manifest diff`: what a dry run would change, without the noise
// every write leaves on an object.
#include "reconcilers/apply/manifest_diff.h"

#include <catch2/catch.hpp>

using namespace iop::reconcilers;
using json = nlohmann::json;

TEST_CASE("fieldChanges ignores what the server writes on every apply and the status", "[diff]") {
  json live = {{"kind", "Service"},
               {"metadata",
                {{"name", "igw"},
                 {"resourceVersion", "10"},
                 {"generation", 1},
                 {"uid", "u"},
                 {"creationTimestamp", "2026-11-28T00:00:00Z"},
                 {"managedFields", json::array({{{"manager", "iop"}}})}}},
               {"spec", {{"clusterIP", "10.0.0.1"}}},
               {"status", {{"loadBalancer", json::object()}}}};
  json dry = live;
  dry["metadata"]["resourceVersion"] = "11";
  dry["metadata"]["generation"] = 2;
  dry["metadata"]["managedFields"][0]["time"] = "now";
  dry["status"] = {{"loadBalancer", {{"ingress", json::array({{{"ip", "1.2.3.4"}}})}}}};
  CHECK(fieldChanges(live, dry).empty());
}

TEST_CASE("fieldChanges names each changed, added and removed field with its old and new value", "[diff]") {
  json live = {{"metadata", {{"labels", {{"istio.io/rev", "a"}, {"app", "igw"}}}}},
               {"spec", {{"replicas", 1}, {"paused", false}}}};
  json dry = {{"metadata", {{"labels", {{"istio.io/rev", "b"}, {"app", "igw"}}}}},
              {"spec", {{"replicas", 1}, {"minReadySeconds", 5}}}};
  auto changes = fieldChanges(live, dry);
  REQUIRE(changes.size() == 3);
  CHECK(changes[0].path == "metadata.labels[\"istio.io/rev\"]");
  CHECK(changes[0].before == json("a"));
  CHECK(changes[0].after == json("b"));
  CHECK(changes[1].path == "spec.paused");
  CHECK(changes[1].before == json(false));
  CHECK_FALSE(changes[1].after.has_value());
  CHECK(changes[2].path == "spec.minReadySeconds");
  CHECK_FALSE(changes[2].before.has_value());
  CHECK(changes[2].after == json(5));
}

TEST_CASE("fieldChanges matches list elements by name, so a reorder or an added container is one hunk",
          "[diff]") {
  json live = {{"containers",
                json::array({{{"name", "proxy"}, {"image", "p:1"}}, {{"name", "init"}, {"image", "i:1"}}})}};
  json dry = {{"containers", json::array({{{"name", "init"}, {"image", "i:1"}},
                                          {{"name", "proxy"}, {"image", "p:2"}},
                                          {{"name", "sidecar"}, {"image", "s:1"}}})}};
  auto changes = fieldChanges(live, dry);
  REQUIRE(changes.size() == 2);
  CHECK(changes[0].path == "containers[name=proxy].image");
  CHECK(changes[0].before == json("p:1"));
  CHECK(changes[0].after == json("p:2"));
  CHECK(changes[1].path == "containers[name=sidecar]");
  CHECK(changes[1].after == json({{"name", "sidecar"}, {"image", "s:1"}}));
}

TEST_CASE("fieldChanges compares unnamed lists element by element, or whole when their length differs",
          "[diff]") {
  CHECK(fieldChanges({{"args", {"a", "b"}}}, {{"args", {"a", "c"}}})[0].path == "args[1]");
  auto grown = fieldChanges({{"args", {"a"}}}, {{"args", {"a", "c"}}});
  REQUIRE(grown.size() == 1);
  CHECK(grown[0].path == "args");
  CHECK(grown[0].after == json({"a", "c"}));
}
