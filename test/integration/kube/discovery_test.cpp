// Discovery maps kinds to resources, including kinds whose CRD appears after the client started,
// and status subresource writes on such a kind.
#include "test/integration/kube/kube_test_support.h"

using namespace iop::kube;
using namespace iop::kube::testing;
using nlohmann::json;

TEST_CASE("discovery resolves built-in kinds with their scope", "[kube][discovery]") {
  auto client = adminClient();
  auto deploy = client->resolve({"apps", "v1", "Deployment"});
  REQUIRE(deploy.ok());
  CHECK(deploy->gvr == GroupVersionResource{"apps", "v1", "deployments"});
  CHECK(deploy->namespaced);
  CHECK(std::find(deploy->subresources.begin(), deploy->subresources.end(), "status") !=
        deploy->subresources.end());
  auto crb = client->resolve({"rbac.authorization.k8s.io", "v1", "ClusterRoleBinding"});
  REQUIRE(crb.ok());
  CHECK(crb->gvr.resource == "clusterrolebindings");
  CHECK_FALSE(crb->namespaced);
  auto pod = client->resolve({"", "v1", "Pod"});
  REQUIRE(pod.ok());
  CHECK(pod->gvr.resource == "pods");
  auto none = client->resolve({"apps", "v1", "NoSuchKind"});
  REQUIRE_FALSE(none.ok());
  CHECK(isNoKindMatch(none.error()));
  CHECK_FALSE(isNotFound(none.error()));
}

TEST_CASE("a CRD created after the client started is discovered, and its status written",
          "[kube][discovery]") {
  auto client = adminClient();
  TestNamespace ns(*client, "kube-crd");
  const std::string group = iop::test::uniqueName("w") + ".iop.test";
  const GroupVersionKind widget{group, "v1", "Widget"};

  auto before = client->resolve(widget);
  REQUIRE_FALSE(before.ok());
  CHECK(isNoKindMatch(before.error()));

  TestWidgetCRD crd(*client, group);

  // The API server publishes the new group in discovery shortly after Established.
  Result<json> created = Error::invalid("not tried");
  REQUIRE(eventually([&] {
    created = client->apply({{"apiVersion", group + "/v1"},
                             {"kind", "Widget"},
                             {"metadata", {{"name", "w1"}, {"namespace", ns.name()}}},
                             {"spec", {{"size", 3}}}},
                            {.fieldManager = "kube-test"});
    return created.ok();
  }));
  auto info = client->resolve(widget);
  REQUIRE(info.ok());
  CHECK(info->gvr.resource == "widgets");
  CHECK(info->namespaced);

  // Status goes through the subresource; the main resource ignores status changes.
  auto status = client->apply(widget, ns.name(), "w1",
                              {{"apiVersion", group + "/v1"},
                               {"kind", "Widget"},
                               {"metadata", {{"name", "w1"}, {"namespace", ns.name()}}},
                               {"status", {{"phase", "Ready"}}}},
                              {.fieldManager = "kube-test-status", .subresource = "status"});
  INFO((status ? "" : status.error().describe()));
  REQUIRE(status.ok());
  CHECK((*status)["status"]["phase"] == "Ready");
  CHECK((*status)["spec"]["size"] == 3);

  auto mainPatch = client->mergePatch(widget, ns.name(), "w1", {{"status", {{"phase", "Ignored"}}}});
  REQUIRE(mainPatch.ok());
  CHECK((*mainPatch)["status"]["phase"] == "Ready");
  auto statusPatch = client->mergePatch(widget, ns.name(), "w1", {{"status", {{"phase", "Degraded"}}}},
                                        {.subresource = "status"});
  REQUIRE(statusPatch.ok());
  CHECK((*statusPatch)["status"]["phase"] == "Degraded");

  json current = *statusPatch;
  current["status"]["phase"] = "Updated";
  auto statusUpdate = client->update(widget, ns.name(), "w1", current, {.subresource = "status"});
  REQUIRE(statusUpdate.ok());
  CHECK((*client->get(widget, ns.name(), "w1", {.subresource = "status"}))["status"]["phase"] == "Updated");
}
