// The pure parts of the checks the operator and the CLI share: which revisions' control planes
// a set of objects holds, whether a rendering is gateways without a control plane, and how a
// revision still in use is said.
#include <catch2/catch.hpp>

#include "reconcilers/api/labels.h"
#include "reconcilers/apply/control_plane_lookup.h"
#include "reconcilers/apply/revision_in_use.h"

using namespace iop::reconcilers;
using json = nlohmann::json;

namespace {

json deployment(const std::string& name, const std::string& component, const std::string& revision) {
  return {{"kind", "Deployment"},
          {"metadata",
           {{"name", name},
            {"namespace", "istio-system"},
            {"labels", {{kComponentLabel, component}, {kRevisionLabel, revision}}}}}};
}

RenderedObject rendered(const std::string& component) {
  return RenderedObject{component, json{{"kind", "Deployment"}}};
}

}  // namespace

TEST_CASE("the control planes among objects are their istiod Deployments, by revision", "[revision]") {
  CHECK(controlPlaneRevisions(
            {deployment("istiod-1-8-0", "Pilot", "1-8-0"),
             deployment("istio-ingressgateway", "IngressGateways", "1-8-1"),
             json{{"kind", "Service"}, {"metadata", {{"labels", {{kComponentLabel, "Pilot"}}}}}}}) ==
        std::set<std::string>{"1-8-0"});
  CHECK(controlPlaneRevisions({deployment("istiod", "Pilot", "")}) == std::set<std::string>{"default"});
  CHECK(controlPlaneRevisions({}).empty());
}

TEST_CASE("a rendering installs gateways only when it has gateways and no Pilot", "[revision]") {
  CHECK(installsGatewaysOnly({rendered("IngressGateways")}));
  CHECK(installsGatewaysOnly({rendered("Base"), rendered("EgressGateways")}));
  CHECK_FALSE(installsGatewaysOnly({rendered("Pilot"), rendered("IngressGateways")}));
  CHECK_FALSE(installsGatewaysOnly({rendered("Base")}));
  CHECK_THAT(noControlPlaneMessage(""), Catch::Contains("no control plane of revision default is installed"));
}

TEST_CASE("a revision still in use says which namespaces select it and how to move them", "[revision]") {
  RevisionUsers users{"1-8-0", {"demo-app", "shop"}};
  CHECK(users.describe() ==
        "namespaces still select revision 1-8-0 (label istio.io/rev=1-8-0): demo-app, shop; move them to "
        "another revision first (kubectl label namespace demo-app istio.io/rev=NEW --overwrite)");
  CHECK(RevisionUsers{"1-8-0", {}}.describe().empty());
  CHECK_THAT(RevisionUsers({"default", {"legacy"}}).describe(),
             Catch::Contains("or istio-injection=enabled"));
}

TEST_CASE("a revision is held by namespaces selecting a tag pointing at it, not by an unused tag",
          "[revision][tag]") {
  RevisionUsers users{"1-8-0", {}, {{"prod", {"shop"}}, {"spare", {}}}, 0};
  CHECK_FALSE(users.empty());
  CHECK(users.describe() ==
        "revision tag prod points at revision 1-8-0 and namespaces select it: shop; move the tag first (iop "
        "tag set prod --revision NEW --overwrite)");
  CHECK(users.summary() == "revision 1-8-0 is used by: tag prod (namespaces shop); tag spare (no namespace)");

  RevisionUsers idle{"1-8-0", {}, {{"spare", {}}}, 0};
  CHECK(idle.empty());
  CHECK(idle.describe().empty());
  CHECK(idle.referenced());
  CHECK(RevisionUsers{"1-8-0", {}, {}, 0}.summary() == "no namespace, tag or pod uses revision 1-8-0");
  CHECK_FALSE(RevisionUsers{"1-8-0", {}, {}, 0}.referenced());
}

TEST_CASE("running pods with a revision's sidecar hold it until their workloads restart elsewhere",
          "[revision]") {
  // The namespaces moved on, the pods did not restart yet: their sidecars still need the istiod.
  RevisionUsers users{"1-8-0", {}, {}, 3, {{"demo-app", 2}, {"shop", 1}}};
  CHECK_FALSE(users.empty());
  CHECK(users.describe() ==
        "3 running pods still have revision 1-8-0's sidecar (demo-app: 2, shop: 1); restart their "
        "workloads first, once their namespaces select another revision (kubectl rollout restart "
        "deployment -n demo-app)");
  CHECK(users.summary() == "revision 1-8-0 is used by: 3 pods with its sidecar");
  CHECK_THAT(RevisionUsers({"1-8-0", {}, {}, 1, {{"web", 1}}}).describe(),
             Catch::StartsWith("1 running pod still has revision 1-8-0's sidecar (web: 1)"));

  // Pods that could not be listed (no permission) block nothing; the summary says so.
  RevisionUsers unknown{"1-8-0", {}, {}, -1};
  CHECK(unknown.empty());
  CHECK(unknown.describe().empty());
  CHECK(unknown.summary() == "revision 1-8-0 is used by: pods not counted (no permission to list them)");
}
