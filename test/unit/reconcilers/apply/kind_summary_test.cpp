#include "reconcilers/apply/kind_summary.h"

#include <catch2/catch.hpp>

using namespace iop::reconcilers;

TEST_CASE("objects are counted by kind, RBAC and webhooks folded, largest first", "[summary]") {
  std::vector<std::string> objects = {"CustomResourceDefinition gateways.networking.istio.io",
                                      "CustomResourceDefinition sidecars.networking.istio.io",
                                      "ServiceAccount istio-system/istiod",
                                      "ClusterRole istiod-clusterrole",
                                      "RoleBinding istio-system/istiod",
                                      "MutatingWebhookConfiguration istio-sidecar-injector",
                                      "Deployment istio-system/istiod-1-8-0",
                                      "ServiceAccount istio-system/x to istio-system/cp@1-8-1"};
  CHECK(countByKind(objects) == "4 RBAC, 2 CRDs, 1 Deployment, 1 webhook");
  CHECK(totalByKind(objects) == "8: 4 RBAC, 2 CRDs, 1 Deployment, 1 webhook");
  CHECK(totalByKind({}) == "0");
  CHECK(countByKind({"HorizontalPodAutoscaler a/b", "HorizontalPodAutoscaler a/c"}) == "2 HPAs");
}
