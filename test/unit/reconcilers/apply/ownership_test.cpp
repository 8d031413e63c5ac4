// Every kind iop renders is a kind it watches and prunes, so the desired-hash check (no write
// when the live copy is right) and prune hold for all of them.
#include "reconcilers/apply/ownership.h"

#include <catch2/catch.hpp>

#include "reconcilers/render/istio_manifests.h"
#include "test/unit/reconcilers/render/render_fixture.h"

using namespace iop::reconcilers;
using namespace iop::reconcilers::testing;

TEST_CASE("every kind rendered by any profile, remote with an IP included, is an owned kind", "[ownership]") {
  std::vector<std::string> documents;
  for (const auto& profile : IstioManifests::compiledIn()->profileNames())
    documents.push_back(
        "apiVersion: install.istio.io/v1alpha1\nkind: IstioOperator\nspec:\n  profile: " + profile +
        "\n  components:\n    cni:\n      enabled: true\n    egressGateways:\n    - name: "
        "istio-egressgateway\n      enabled: true\n");
  documents.push_back(
      "apiVersion: install.istio.io/v1alpha1\nkind: IstioOperator\nspec:\n  profile: remote\n  values:\n    "
      "global:\n      remotePilotAddress: 10.0.0.7\n");
  std::set<std::string> kinds;
  for (const auto& yaml : documents)
    for (const auto& o : renderYaml(yaml).objects) kinds.insert(o.object.value("kind", ""));
  CHECK(kinds.count("EndpointSlice") == 1);
  for (const auto& kind : kinds) {
    INFO(kind);
    // Multus's CRD is absent from most clusters, and an informer on an unserved kind never
    // syncs: iop applies this one (openshift profiles) but does not watch or prune it.
    if (kind == "NetworkAttachmentDefinition") continue;
    CHECK(ownedKind(kind) != nullptr);
  }
}

TEST_CASE("the EndpointSlices the endpointslice controller makes are not iop's, though they carry its labels",
          "[ownership]") {
  const OwnedKind* slices = ownedKind("EndpointSlice");
  REQUIRE(slices != nullptr);
  CHECK(selectorFor("a=b", *slices) ==
        "a=b,endpointslice.kubernetes.io/managed-by!=endpointslice-controller.k8s.io");
  CHECK(selectorFor("a=b", *ownedKind("Deployment")) == "a=b");
  CHECK(selectorFor("", *slices) ==
        "endpointslice.kubernetes.io/managed-by!=endpointslice-controller.k8s.io");
}
