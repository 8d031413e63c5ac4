// An informer's indexes and transform against the real kube-apiserver: lookups by index value
// follow relabels, creates and deletes, and the transform shapes every stored and delivered
// object, listed or watched.
#include <catch2/catch.hpp>
#include <mutex>
#include <set>
#include <stdexcept>
#include <thread>

#include "controller/informer.h"
#include "test/integration/kube/kube_test_support.h"

using namespace iop::controller;
using namespace iop::kube::testing;
using nlohmann::json;

namespace {

json teamMap(const std::string& ns, const std::string& name, const std::string& team) {
  auto cm = configMap(ns, name, {{"keep", "k"}, {"drop", "d"}});
  cm["metadata"]["labels"] = {{"set", "idx"}, {"team", team}};
  return cm;
}

std::set<std::string> names(const std::vector<json>& objects) {
  std::set<std::string> out;
  for (const auto& o : objects) out.insert(o["metadata"]["name"].get<std::string>());
  return out;
}

}  // namespace

TEST_CASE("an informer's index finds objects by value and follows relabels, creates and deletes",
          "[informer]") {
  auto client = adminClient();
  TestNamespace ns(*client, "inf-index");
  for (auto [name, team] : {std::pair{"a1", "a"}, {"a2", "a"}, {"b1", "b"}})
    REQUIRE(client->create(kConfigMap, ns.name(), teamMap(ns.name(), name, team)));

  InformerOptions o{kConfigMap};
  o.ns = ns.name();
  o.labelSelector = "set=idx";
  Informer inf(*client, o);
  std::jthread running([&](std::stop_token st) { (void)inf.run(st); });
  REQUIRE(inf.waitForSync({}, std::chrono::seconds(20)));

  // Added after the first list: built from what is already stored.
  inf.addIndex("team", [](const json& obj) {
    return obj["metadata"].value("labels", json::object()).value("team", "");
  });
  CHECK(names(inf.byIndex("team", "a")) == std::set<std::string>{"a1", "a2"});
  CHECK(names(inf.byIndex("team", "b")) == std::set<std::string>{"b1"});
  CHECK(inf.byIndex("team", "nobody").empty());
  CHECK_THROWS_AS(inf.byIndex("no-such-index", "a"), std::logic_error);

  REQUIRE(client->mergePatch(kConfigMap, ns.name(), "a2", {{"metadata", {{"labels", {{"team", "b"}}}}}}));
  REQUIRE(client->create(kConfigMap, ns.name(), teamMap(ns.name(), "a3", "a")));
  REQUIRE(client->remove(kConfigMap, ns.name(), "a1"));
  // Leaving the informer's selector removes it from the index too.
  REQUIRE(client->mergePatch(kConfigMap, ns.name(), "b1", {{"metadata", {{"labels", {{"set", "other"}}}}}}));
  REQUIRE(eventually([&] { return names(inf.byIndex("team", "a")) == std::set<std::string>{"a3"}; }));
  REQUIRE(eventually([&] { return names(inf.byIndex("team", "b")) == std::set<std::string>{"a2"}; }));
  auto a3 = inf.byIndex("team", "a");
  REQUIRE(a3.size() == 1);
  CHECK(a3[0]["data"]["drop"] == "d");  // no transform: stored as the server sent it
}

TEST_CASE("an informer's transform shapes every listed and watched object before store and handlers",
          "[informer]") {
  auto client = adminClient();
  TestNamespace ns(*client, "inf-transform");
  REQUIRE(client->create(kConfigMap, ns.name(), teamMap(ns.name(), "listed", "a")));

  InformerOptions o{kConfigMap};
  o.ns = ns.name();
  o.labelSelector = "set=idx";
  Informer inf(*client, o);
  inf.setTransform([](json& obj) { obj["data"].erase("drop"); });
  std::mutex mu;
  std::set<std::string> delivered;  // names of delivered objects, each as handlers saw it
  bool handlerSawDropped = false;
  auto seen = [&](const json& obj) {
    std::lock_guard lock(mu);
    delivered.insert(obj["metadata"]["name"].get<std::string>());
    handlerSawDropped = handlerSawDropped || obj["data"].contains("drop");
  };
  inf.addHandlers({seen, [&](const json&, const json& now) { seen(now); }, seen});
  std::jthread running([&](std::stop_token st) { (void)inf.run(st); });
  REQUIRE(inf.waitForSync({}, std::chrono::seconds(20)));
  CHECK_THROWS_AS(inf.setTransform([](json&) {}), std::logic_error);

  REQUIRE(client->create(kConfigMap, ns.name(), teamMap(ns.name(), "watched", "a")));
  REQUIRE(eventually([&] { return inf.get(ns.name(), "watched").has_value(); }));
  for (const auto& obj : inf.list()) {
    INFO(obj.dump());
    CHECK(obj["data"] == json{{"keep", "k"}});
  }
  CHECK(inf.size() == 2);
  std::lock_guard lock(mu);
  CHECK(delivered == std::set<std::string>{"listed", "watched"});
  CHECK_FALSE(handlerSawDropped);
}
