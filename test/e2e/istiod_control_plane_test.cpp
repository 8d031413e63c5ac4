// Istio's own istiod reads what iop installed for a revision: the operator of 1-8-0 installs the
// control plane, then istiod runs as that Deployment's pod would (its args, env and
// ServiceAccount token) and must be ready with iop's RBAC, take its mesh config from iop's
// ConfigMap, patch iop's webhooks, and validate Istio resources through the API server.
#include <catch2/catch.hpp>
#include <cctype>

#include "test/e2e/e2e_support.h"
#include "test/e2e/mesh_support.h"
#include "test/support/http_get.h"

using namespace iop::test;
using namespace iop::test::e2e;

namespace {

const std::string kRev = "1-8-0";
const std::string kInjector = "istio-sidecar-injector-1-8-0";
const std::string kValidator = "istio-validator-1-8-0-istio-system";

// The mesh config istiod is running with (its /debug/mesh, on its HTTP port).
json activeMesh(IstiodProcess& istiod) {
  auto r = httpGet(istiod.httpPort(), "/debug/mesh");
  if (r.status != 200) return nullptr;
  return json::parse(r.body, nullptr, false);
}

// Every caBundle of a webhook configuration's webhooks ("" where one has none).
std::vector<std::string> caBundles(const std::string& kind, const std::string& name) {
  std::vector<std::string> out;
  json config = getJson({kind, name});
  if (!config.is_object()) return out;
  for (const auto& w : config["webhooks"]) out.push_back(w["clientConfig"].value("caBundle", ""));
  return out;
}

bool allEqual(const std::vector<std::string>& values, const std::string& want) {
  if (values.empty()) return false;
  for (const auto& v : values)
    if (v != want) return false;
  return true;
}

std::string base64(const std::string& in) {
  return run({"base64", "-w0"}, in, false).out;
}

std::string lower(std::string s) {
  for (auto& c : s) c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
  return s;
}

std::string virtualService(const std::string& name, const std::string& uriRegex) {
  return "apiVersion: networking.istio.io/v1\n"
         "kind: VirtualService\n"
         "metadata:\n"
         "  name: " +
         name +
         "\n"
         "  namespace: app\n"
         "  labels: {istio.io/rev: " +
         kRev +
         "}\n"
         "spec:\n"
         "  hosts: [web.app.svc.cluster.local]\n"
         "  http:\n"
         "  - match: [{uri: {regex: '" +
         uriRegex +
         "'}}]\n"
         "    route: [{destination: {host: web.app.svc.cluster.local}}]\n";
}

}  // namespace

TEST_CASE("istiod of a control plane the operator installed runs on what iop rendered", "[e2e][istiod]") {
  PageCluster cluster("istiod-control-plane");
  std::unique_ptr<OperatorProcess> op;
  std::unique_ptr<IstiodProcess> istiod;
  const std::string cr = std::string(IOP_SOURCE_DIR) + "/test/data/mesh/control-plane-1-8-0.yaml";
  {
    E2E_STEP("iop operator init --revision 1-8-0; kubectl apply -n istio-system -f control-plane-1-8-0.yaml");
    op = initOperator(kRev);
    requireSuccess(kubectl({"apply", "-n", "istio-system", "-f", cr}), e2eStepText_);
    requireHealthy("control-plane-1-8-0");
  }
  {
    E2E_STEP("istiod-1-8-0 runs as its Deployment's pod would and becomes ready (/ready)");
    istiod = startIstiod(kRev);
    announce("istiod " + kRev + " stands in for pod " + istiod->podName() + " (" + istiod->podIP() +
             "); log " + istiod->logPath());
  }
  {
    E2E_STEP("istiod patches the caBundle of iop's injection and validation webhooks with its CA's root");
    std::string root;
    bool patched = eventually(
        [&] {
          root =
              jsonpath({"-n", "istio-system", "configmap", "istio-ca-root-cert"}, "{.data.root-cert\\.pem}");
          if (root.empty()) return false;
          const std::string bundle = base64(root);
          return allEqual(caBundles("mutatingwebhookconfiguration", kInjector), bundle) &&
                 allEqual(caBundles("validatingwebhookconfiguration", kValidator), bundle);
        },
        std::chrono::seconds(60));
    INFO(show({"get", "mutatingwebhookconfiguration,validatingwebhookconfiguration", "-o", "yaml"}));
    INFO("istiod log:\n" << istiod->log());
    CHECK_FALSE(root.empty());
    CHECK(patched);
    // Its validation controller turns the webhook from fail-open to Fail once a request through
    // the API server has reached it and been refused, i.e. once admission works end to end.
    bool failClosed = eventually(
        [] {
          return jsonpath({"validatingwebhookconfiguration", kValidator}, "{.webhooks[*].failurePolicy}") ==
                 "Fail";
        },
        std::chrono::seconds(60));
    CHECK(failClosed);
  }
  {
    E2E_STEP("the operator leaves istiod's failurePolicy and caBundle alone: no writes in 5 s");
    // A reconcile that "repaired" them would rewrite the webhook, istiod would switch it back,
    // and so on, several times a second.
    const auto writes = operatorWrites(*op);
    std::this_thread::sleep_for(std::chrono::seconds(5));
    INFO("operator log: " << op->logPath());
    CHECK(operatorWrites(*op) == writes);
    CHECK(jsonpath({"validatingwebhookconfiguration", kValidator}, "{.webhooks[*].failurePolicy}") == "Fail");
  }
  {
    E2E_STEP("istiod takes its mesh config from iop's ConfigMap istio-1-8-0");
    json mesh;
    bool read = eventually([&] { return (mesh = activeMesh(*istiod)).is_object(); });
    INFO("GET /debug/mesh: " << mesh.dump());
    REQUIRE(read);
    CHECK(mesh["defaultConfig"].value("discoveryAddress", "") == discoveryAddressOf(kRev));
    CHECK(mesh.value("rootNamespace", "") == "istio-system");
    // An edit of the CR's meshConfig reaches the running istiod: operator -> ConfigMap -> istiod.
    requireSuccess(
        kubectl({"-n", "istio-system", "patch", "istiooperator", "control-plane-1-8-0", "--type=merge", "-p",
                 R"({"spec":{"meshConfig":{"accessLogFile":"/dev/stdout"}}})"}),
        "kubectl patch istiooperator control-plane-1-8-0 (meshConfig.accessLogFile)");
    bool followed = eventually(
        [&] {
          mesh = activeMesh(*istiod);
          return mesh.is_object() && mesh.value("accessLogFile", "") == "/dev/stdout";
        },
        std::chrono::seconds(60));
    INFO(show({"-n", "istio-system", "get", "configmap", "istio-1-8-0", "-o", "yaml"}));
    INFO("GET /debug/mesh: " << mesh.dump());
    CHECK(followed);
    requireHealthy("control-plane-1-8-0");
  }
  {
    E2E_STEP("the operator's reconcile leaves istiod's caBundle and failurePolicy alone");
    CHECK(jsonpath({"-n", "istio-system", "istiooperator", "control-plane-1-8-0"},
                   "{.status.observedGeneration}") == "2");
    for (const auto& bundle : caBundles("mutatingwebhookconfiguration", kInjector))
      CHECK_FALSE(bundle.empty());
    for (const auto& bundle : caBundles("validatingwebhookconfiguration", kValidator))
      CHECK_FALSE(bundle.empty());
    CHECK(jsonpath({"validatingwebhookconfiguration", kValidator}, "{.webhooks[*].failurePolicy}") == "Fail");
  }
  {
    E2E_STEP("kubectl apply of an invalid VirtualService is refused by 1-8-0's validating webhook");
    createNamespace("app", kRev);
    auto bad = kubectl({"apply", "-f", "-"}, virtualService("bad-regex", "("));
    INFO("$ kubectl apply (VirtualService with uri regex '(')\n" << bad.out);
    CHECK(bad.exitCode != 0);
    CHECK(bad.out.find("admission webhook \"rev.validation.istio.io\" denied the request") !=
          std::string::npos);
    CHECK(getJson({"-n", "app", "virtualservice", "bad-regex"}).is_null());
  }
  {
    E2E_STEP("kubectl apply of a valid VirtualService is accepted");
    requireSuccess(kubectl({"apply", "-f", "-"}, virtualService("web", "/api/.*")), e2eStepText_);
    CHECK(getJson({"-n", "app", "virtualservice", "web"}).is_object());
  }
  {
    E2E_STEP("istiod logged no forbidden request: iop's ClusterRoles and Roles suffice");
    INFO("istiod log: " << istiod->logPath());
    std::string log = lower(istiod->log());
    auto at = log.find("forbidden");
    INFO((at == std::string::npos ? "" : log.substr(log.rfind('\n', at) + 1, 400)));
    CHECK(at == std::string::npos);
    CHECK(istiod->running());
  }
}
