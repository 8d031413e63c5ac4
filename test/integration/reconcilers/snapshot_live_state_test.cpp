// The live state of `iop install`: what the operator's informers would hold, listed once.
#include "reconcilers/apply/snapshot_live_state.h"

#include <catch2/catch.hpp>

#include "test/integration/kube/kube_test_support.h"

using namespace iop::kube;
using namespace iop::kube::testing;
using namespace iop::reconcilers;
using nlohmann::json;

namespace {

json labelled(json object, const Owner& owner) {
  object["metadata"]["labels"] = {
      {kManagedLabel, kManagedValue}, {kOwningResourceLabel, owner.name}, {kOwningNamespaceLabel, owner.ns}};
  return object;
}

}  // namespace

TEST_CASE(
    "a snapshot live state sees iop's labelled objects as of its one list per kind, and nothing "
    "without iop's labels",
    "[live_state][snapshot]") {
  auto client = adminClient();
  TestNamespace ns(*client, "snapshot");
  const OwnedKind& kind = *ownedKind("ConfigMap");
  const Owner mine{"mine", ns.name()}, other{"other", ns.name()};
  REQUIRE(
      client->create(kConfigMap, ns.name(), labelled(configMap(ns.name(), "a", {{"k", "1"}}), mine)).ok());
  REQUIRE(
      client->create(kConfigMap, ns.name(), labelled(configMap(ns.name(), "b", {{"k", "2"}}), other)).ok());
  REQUIRE(client->create(kConfigMap, ns.name(), configMap(ns.name(), "plain", {{"k", "3"}})).ok());

  SnapshotLiveState live(*client);
  live.prefetch({kind}, 2);

  auto a = live.get(kind, ns.name(), "a");
  REQUIRE(a.ok());
  REQUIRE(a->has_value());
  CHECK((**a)["data"]["k"] == "1");
  CHECK((**a)["kind"] == "ConfigMap");
  auto plain = live.get(kind, ns.name(), "plain");
  REQUIRE(plain.ok());
  CHECK_FALSE(plain->has_value());

  auto owned = live.owned(kind, mine);
  REQUIRE(owned.ok());
  REQUIRE(owned->size() == 1);
  CHECK((*owned)[0]["metadata"]["name"] == "a");

  // Point in time: what changed after the list is not seen (readiness reads the server instead).
  REQUIRE(
      client->create(kConfigMap, ns.name(), labelled(configMap(ns.name(), "late", {{"k", "4"}}), mine)).ok());
  auto late = live.get(kind, ns.name(), "late");
  REQUIRE(late.ok());
  CHECK_FALSE(late->has_value());
  CHECK(live.owned(kind, mine)->size() == 1);
  CHECK(ClientLiveState(*client).get(kind, ns.name(), "late")->has_value());
}
