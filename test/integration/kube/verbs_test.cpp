// The REST verbs of kube::Client against the real kube-apiserver.
#include "test/integration/kube/kube_test_support.h"

using namespace iop::kube;
using namespace iop::kube::testing;
using nlohmann::json;

TEST_CASE("get, create, update, merge patch and delete a ConfigMap", "[kube][verbs]") {
  auto client = adminClient();
  TestNamespace ns(*client, "kube-verbs");

  auto missing = client->get(kConfigMap, ns.name(), "cm");
  REQUIRE_FALSE(missing.ok());
  CHECK(isNotFound(missing.error()));
  CHECK(missing.error().httpStatus == 404);
  CHECK(missing.error().details.name == "cm");

  auto created = client->create(kConfigMap, ns.name(), configMap(ns.name(), "cm", {{"a", "1"}}));
  INFO((created ? "" : created.error().describe()));
  REQUIRE(created.ok());
  CHECK((*created)["metadata"]["uid"].is_string());

  auto again = client->create(kConfigMap, ns.name(), configMap(ns.name(), "cm", {{"a", "1"}}));
  REQUIRE_FALSE(again.ok());
  CHECK(isAlreadyExists(again.error()));
  CHECK_FALSE(isConflict(again.error()));

  auto got = client->get(kConfigMap, ns.name(), "cm");
  REQUIRE(got.ok());
  CHECK((*got)["data"]["a"] == "1");

  // PUT with the current resourceVersion succeeds; with a stale one it is a Conflict.
  json changed = *got;
  changed["data"]["a"] = "2";
  auto updated = client->update(kConfigMap, ns.name(), "cm", changed);
  INFO((updated ? "" : updated.error().describe()));
  REQUIRE(updated.ok());
  CHECK((*updated)["data"]["a"] == "2");
  auto stale = client->update(kConfigMap, ns.name(), "cm", changed);
  REQUIRE_FALSE(stale.ok());
  CHECK(isConflict(stale.error()));

  auto patched = client->mergePatch(kConfigMap, ns.name(), "cm", {{"data", {{"b", "3"}, {"a", nullptr}}}});
  REQUIRE(patched.ok());
  CHECK((*patched)["data"] == json{{"b", "3"}});

  // A failing precondition leaves the object; a matching one deletes it.
  auto wrongUid = client->remove(kConfigMap, ns.name(), "cm", {.preconditionUID = "not-the-uid"});
  REQUIRE_FALSE(wrongUid.ok());
  CHECK(isConflict(wrongUid.error()));
  auto removed = client->remove(
      kConfigMap, ns.name(), "cm",
      {.propagationPolicy = "Background",
       .preconditionUID = (*patched)["metadata"]["uid"].get<std::string>(),
       .preconditionResourceVersion = (*patched)["metadata"]["resourceVersion"].get<std::string>()});
  INFO((removed ? "" : removed.error().describe()));
  REQUIRE(removed.ok());
  auto gone = client->get(kConfigMap, ns.name(), "cm");
  REQUIRE_FALSE(gone.ok());
  CHECK(isNotFound(gone.error()));
}

TEST_CASE("an invalid object is rejected as Invalid with the offending field", "[kube][verbs]") {
  auto client = adminClient();
  TestNamespace ns(*client, "kube-invalid");
  auto bad = client->create(kConfigMap, ns.name(), configMap(ns.name(), "Not_A_Valid_Name", {{"a", "1"}}));
  REQUIRE_FALSE(bad.ok());
  CHECK(isInvalid(bad.error()));
  CHECK(bad.error().httpStatus == 422);
  REQUIRE_FALSE(bad.error().details.causes.empty());
  CHECK(bad.error().details.causes[0].field == "metadata.name");
  CHECK_THAT(bad.error().describe(), Catch::Contains("metadata.name"));
}

TEST_CASE("server-side apply: field managers, conflicts, force and dry run", "[kube][verbs][apply]") {
  auto client = adminClient();
  TestNamespace ns(*client, "kube-ssa");

  auto noManager = client->apply(configMap(ns.name(), "cm", {{"owned", "by-a"}}), {});
  REQUIRE_FALSE(noManager.ok());
  CHECK(noManager.error().kind == ErrorKind::Invalid);

  auto first = client->apply(configMap(ns.name(), "cm", {{"owned", "by-a"}}), {.fieldManager = "manager-a"});
  INFO((first ? "" : first.error().describe()));
  REQUIRE(first.ok());
  CHECK((*first)["data"]["owned"] == "by-a");
  bool managedByA = false;
  for (const auto& m : (*first)["metadata"]["managedFields"])
    if (m["manager"] == "manager-a" && m["operation"] == "Apply") managedByA = true;
  CHECK(managedByA);

  // Applying the same object again changes nothing (SSA is idempotent).
  auto same = client->apply(configMap(ns.name(), "cm", {{"owned", "by-a"}}), {.fieldManager = "manager-a"});
  REQUIRE(same.ok());
  CHECK((*same)["metadata"]["resourceVersion"] == (*first)["metadata"]["resourceVersion"]);

  // Another manager setting the same field to another value conflicts.
  auto conflict =
      client->apply(configMap(ns.name(), "cm", {{"owned", "by-b"}}), {.fieldManager = "manager-b"});
  REQUIRE_FALSE(conflict.ok());
  CHECK(isConflict(conflict.error()));
  REQUIRE_FALSE(conflict.error().details.causes.empty());
  CHECK(conflict.error().details.causes[0].field == ".data.owned");
  CHECK_THAT(conflict.error().message, Catch::Contains("manager-a"));

  // Dry run with force reports the result but persists nothing.
  auto dry = client->apply(configMap(ns.name(), "cm", {{"owned", "by-b"}}),
                           {.fieldManager = "manager-b", .force = true, .dryRun = true});
  REQUIRE(dry.ok());
  CHECK((*dry)["data"]["owned"] == "by-b");
  CHECK((*client->get(kConfigMap, ns.name(), "cm"))["data"]["owned"] == "by-a");

  auto forced = client->apply(configMap(ns.name(), "cm", {{"owned", "by-b"}}),
                              {.fieldManager = "manager-b", .force = true});
  REQUIRE(forced.ok());
  CHECK((*forced)["data"]["owned"] == "by-b");

  // manager-a no longer owns the field: dropping it from its apply leaves b's value alone.
  auto aLeaves = client->apply(configMap(ns.name(), "cm", json::object()), {.fieldManager = "manager-a"});
  REQUIRE(aLeaves.ok());
  CHECK((*aLeaves)["data"]["owned"] == "by-b");
}

TEST_CASE("list follows continue tokens across pages and filters by label", "[kube][verbs][list]") {
  auto client = adminClient();
  TestNamespace ns(*client, "kube-list");
  for (int i = 0; i < 8; ++i) {
    json cm = configMap(ns.name(), "cm-" + std::to_string(i), {{"i", std::to_string(i)}});
    cm["metadata"]["labels"] = {{"parity", i % 2 == 0 ? "even" : "odd"}};
    REQUIRE(client->create(kConfigMap, ns.name(), cm).ok());
  }

  // The selector leaves out kube-root-ca.crt, which the controller-manager adds to every namespace.
  auto page1 = client->list(kConfigMap, ns.name(), {.labelSelector = "parity", .limit = 3});
  REQUIRE(page1.ok());
  CHECK((*page1)["items"].size() == 3);
  auto token = (*page1)["metadata"]["continue"].get<std::string>();
  REQUIRE_FALSE(token.empty());

  auto before = client->requestCounts()[{"GET", 200}];
  auto all = client->listAll(kConfigMap, ns.name(), {.labelSelector = "parity", .limit = 3});
  INFO((all ? "" : all.error().describe()));
  REQUIRE(all.ok());
  CHECK(client->requestCounts()[{"GET", 200}] - before == 3);  // 3 + 3 + 2 items
  REQUIRE((*all)["items"].size() == 8);
  CHECK_FALSE((*all)["metadata"].contains("continue"));
  CHECK_FALSE((*all)["metadata"]["resourceVersion"].get<std::string>().empty());

  auto even = client->listAll(GroupVersionResource{"", "v1", "configmaps"}, ns.name(),
                              {.labelSelector = "parity=even", .limit = 2});
  REQUIRE(even.ok());
  CHECK((*even)["items"].size() == 4);
  auto named = client->list(kConfigMap, ns.name(), {.fieldSelector = "metadata.name=cm-5"});
  REQUIRE(named.ok());
  REQUIRE((*named)["items"].size() == 1);
  CHECK((*named)["items"][0]["data"]["i"] == "5");
}

TEST_CASE("a cluster-scoped kind ignores the namespace and a namespaced kind requires one", "[kube][verbs]") {
  auto client = adminClient();
  auto ns = client->get(kNamespace, "ignored", "default");
  REQUIRE(ns.ok());
  CHECK((*ns)["metadata"]["name"] == "default");
  auto noNs = client->get(kConfigMap, "", "x");
  REQUIRE_FALSE(noNs.ok());
  CHECK(noNs.error().kind == ErrorKind::Invalid);
}

TEST_CASE("requests are counted by method and code", "[kube][verbs][metrics]") {
  std::vector<RequestRecord> seen;
  std::mutex mu;
  ClientOptions options;
  options.observer = [&](const RequestRecord& r) {
    std::lock_guard lock(mu);
    seen.push_back(r);
  };
  auto client = clientFor(adminConfig(), options);
  TestNamespace ns(*client, "kube-metrics");
  REQUIRE_FALSE(client->get(kConfigMap, ns.name(), "absent").ok());
  REQUIRE(client->create(kConfigMap, ns.name(), configMap(ns.name(), "cm", {{"a", "1"}})).ok());
  auto counts = client->requestCounts();
  CHECK(counts[{"GET", 404}] == 1);
  CHECK(counts[{"POST", 201}] >= 2);  // the namespace and the ConfigMap
  std::lock_guard lock(mu);
  CHECK(seen.size() >= 3);
}

TEST_CASE("dry-run writes are validated but not persisted, and foreground deletion keeps a finalizer",
          "[kube][verbs]") {
  auto client = adminClient();
  TestNamespace ns(*client, "kube-dryrun");
  auto dry =
      client->create(kConfigMap, ns.name(), configMap(ns.name(), "cm", {{"a", "1"}}), {.dryRun = true});
  REQUIRE(dry.ok());
  CHECK((*dry)["data"]["a"] == "1");
  CHECK(isNotFound(client->get(kConfigMap, ns.name(), "cm").error()));

  // A Deployment deleted in the foreground stays, marked, until its dependents are gone.
  json deploy = {{"apiVersion", "apps/v1"},
                 {"kind", "Deployment"},
                 {"metadata", {{"name", "d"}, {"namespace", ns.name()}}},
                 {"spec",
                  {{"replicas", 0},
                   {"selector", {{"matchLabels", {{"app", "d"}}}}},
                   {"template",
                    {{"metadata", {{"labels", {{"app", "d"}}}}},
                     {"spec", {{"containers", json::array({{{"name", "c"}, {"image", "busybox"}}})}}}}}}}};
  REQUIRE(client->apply(deploy, {.fieldManager = "kube-test"}).ok());
  const GroupVersionKind kDeployment{"apps", "v1", "Deployment"};
  auto removing = client->remove(kDeployment, ns.name(), "d", {.propagationPolicy = "Foreground"});
  INFO((removing ? "" : removing.error().describe()));
  REQUIRE(removing.ok());
  CHECK((*removing)["metadata"].contains("deletionTimestamp"));
  auto finalizers = (*removing)["metadata"].value("finalizers", json::array());
  CHECK(std::find(finalizers.begin(), finalizers.end(), "foregroundDeletion") != finalizers.end());
  CHECK(eventually([&] {
    auto d = client->get(kDeployment, ns.name(), "d");
    return !d.ok() && isNotFound(d.error());
  }));
}
