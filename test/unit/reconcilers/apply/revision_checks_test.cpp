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

TEST_CASE("a revision is held by namespaces selecting a tag pointing at it, not by an unused tag or by pods",
          "[revision][tag]") {
  RevisionUsers users{"1-8-0", {}, {{"prod", {"shop"}}, {"spare", {}}}, 3};
  CHECK_FALSE(users.empty());
  CHECK(users.describe() ==
        "revision tag prod points at revision 1-8-0 and namespaces select it: shop; move the tag first (iop "
        "tag set "
        "prod --revision NEW --overwrite)");
  CHECK(users.summary() ==
        "revision 1-8-0 is used by: tag prod (namespaces shop); tag spare (no namespace); 3 pods "
        "with its sidecar");

  RevisionUsers idle{"1-8-0", {}, {{"spare", {}}}, 2};
  CHECK(idle.empty());  // nothing selects it: it may go, though pods still run its sidecar
  CHECK(idle.describe().empty());
  CHECK(idle.referenced());
  CHECK(RevisionUsers{"1-8-0", {}, {}, 0}.summary() == "no namespace, tag or pod uses revision 1-8-0");
  CHECK_FALSE(RevisionUsers{"1-8-0", {}, {}, 0}.referenced());
}
