// "Do my pods get sidecars from the right revision?": two control planes installed with `iop
// install` (1-8-0 and 1-8-1, each with its own images), both istiods running as their pods would,
// and pods created with kubectl in namespaces labelled for one revision, the other, or none. The
// API server calls the revisions' injection webhooks (Service istiod-R) as it would in a real
// cluster; what it stored is what is checked.
#include <catch2/catch.hpp>

#include "test/e2e/e2e_support.h"
#include "test/e2e/mesh_support.h"

using namespace iop::test;
using namespace iop::test::e2e;

namespace {

std::string data(const std::string& file) {
  return std::string(IOP_SOURCE_DIR) + "/test/data/mesh/" + file;
}

// Istio's documented gateway injection: a Deployment whose container istio-proxy has image
// "auto" and whose pods ask for the gateway template.
std::string gatewayDeployment(const std::string& ns) {
  return "apiVersion: apps/v1\n"
         "kind: Deployment\n"
         "metadata: {name: ingress, namespace: " +
         ns +
         "}\n"
         "spec:\n"
         "  selector: {matchLabels: {app: ingress}}\n"
         "  template:\n"
         "    metadata:\n"
         "      annotations: {inject.istio.io/templates: gateway}\n"
         "      labels: {app: ingress, sidecar.istio.io/inject: \"true\"}\n"
         "    spec:\n"
         "      containers: [{name: istio-proxy, image: auto}]\n";
}

bool hasArg(const Sidecar& s, const std::string& arg) {
  return std::find(s.args.begin(), s.args.end(), arg) != s.args.end();
}

}  // namespace

TEST_CASE("pods get the sidecar of the revision their namespace selects from that revision's istiod",
          "[e2e][istiod]") {
  PageCluster cluster("istiod-injection");
  std::unique_ptr<IstiodProcess> istiod180, istiod181;
  {
    E2E_STEP("iop install the control planes of 1-8-0 and 1-8-1 (hub docker.io/istio, tags 1.8.0 and 1.8.1)");
    for (const char* rev : {"1-8-0", "1-8-1"}) {
      const std::string file = data(std::string("control-plane-") + rev + ".yaml");
      requireSuccess(runIop({"install", "-y", "-n", "istio-system", "-f", file, "--revision", rev}),
                     std::string("iop install -f ") + file + " --revision " + rev);
    }
    CHECK(proxyImageOf("1-8-0") == "docker.io/istio/proxyv2:1.8.0");
    CHECK(proxyImageOf("1-8-1") == "docker.io/istio/proxyv2:1.8.1");
  }
  {
    E2E_STEP("istiod-1-8-0 and istiod-1-8-1 run as their pods would and become ready");
    istiod180 = startIstiod("1-8-0");
    istiod181 = startIstiod("1-8-1");
  }
  {
    E2E_STEP("kubectl create deployment in a namespace labelled istio.io/rev=1-8-0: 1-8-0's sidecar");
    createNamespace("app-180", "1-8-0");
    Sidecar s = sidecarOf(createDeployment("app-180", "web"));
    INFO(s.describe() << "\nistiod 1-8-0 log: " << istiod180->logPath());
    CHECK(s.injected);
    CHECK(s.image == proxyImageOf("1-8-0"));
    CHECK(s.discoveryAddress == discoveryAddressOf("1-8-0"));
    CHECK(hasArg(s, "sidecar"));
  }
  {
    E2E_STEP("... in a namespace labelled istio.io/rev=1-8-1: 1-8-1's sidecar");
    createNamespace("app-181", "1-8-1");
    Sidecar s = sidecarOf(createDeployment("app-181", "web"));
    INFO(s.describe() << "\nistiod 1-8-1 log: " << istiod181->logPath());
    CHECK(s.injected);
    CHECK(s.image == proxyImageOf("1-8-1"));
    CHECK(s.discoveryAddress == discoveryAddressOf("1-8-1"));
  }
  {
    E2E_STEP("... in a namespace without the label: no sidecar");
    createNamespace("plain", "");
    Sidecar s = sidecarOf(createDeployment("plain", "web"));
    INFO(s.describe());
    CHECK_FALSE(s.injected);
  }
  {
    E2E_STEP("a pod annotated inject.istio.io/templates=gateway gets 1-8-0's gateway template");
    requireSuccess(kubectl({"apply", "-f", "-"}, gatewayDeployment("app-180")),
                   "kubectl apply (gateway Deployment)");
    json pod = newestPod("app-180", "ingress");
    Sidecar s = sidecarOf(pod);
    INFO(s.describe());
    CHECK(s.injected);
    CHECK(s.image == proxyImageOf("1-8-0"));
    CHECK(s.discoveryAddress == discoveryAddressOf("1-8-0"));
    // The gateway template runs the proxy as a router, not a sidecar, and adds no init container.
    CHECK(hasArg(s, "router"));
    CHECK_FALSE(hasArg(s, "sidecar"));
    CHECK(pod["spec"]["containers"].size() == 1);
    CHECK(pod["spec"].value("initContainers", json::array()).empty());
  }
  {
    E2E_STEP("both istiods are still running");
    CHECK(istiod180->running());
    CHECK(istiod181->running());
  }
}
