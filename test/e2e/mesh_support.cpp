#include "test/e2e/mesh_support.h"

#include "test/e2e/e2e_support.h"

namespace iop::test::e2e {

std::unique_ptr<IstiodProcess> startIstiod(const std::string& revision) {
  auto istiod = std::make_unique<IstiodProcess>(revision);
  bool ready = istiod->waitReady();
  INFO("istiod " << revision << " (log " << istiod->logPath() << "):\n" << istiod->log());
  REQUIRE(ready);
  return istiod;
}

std::string Sidecar::describe() const {
  if (!injected) return "no istio-proxy container";
  std::string a;
  for (const auto& s : args) a += " " + s;
  return "istio-proxy " + image + ", discoveryAddress " + discoveryAddress + ", args" + a;
}

Sidecar sidecarOf(const json& pod) {
  Sidecar s;
  // Sidecars are native sidecars (init containers that keep running) on recent Kubernetes, or
  // plain containers: look in both.
  for (const char* list : {"initContainers", "containers"}) {
    for (const auto& c : pod["spec"].value(list, json::array())) {
      if (c.value("name", "") != "istio-proxy") continue;
      s.injected = true;
      s.image = c.value("image", "");
      s.args = c.value("args", std::vector<std::string>{});
      for (const auto& e : c.value("env", json::array())) {
        if (e.value("name", "") != "PROXY_CONFIG") continue;
        json config = json::parse(e.value("value", ""), nullptr, false);
        if (config.is_object()) s.discoveryAddress = config.value("discoveryAddress", "");
      }
    }
  }
  return s;
}

std::string discoveryAddressOf(const std::string& revision) {
  return "istiod-" + revision + ".istio-system.svc:15012";
}

std::string proxyImageOf(const std::string& revision) {
  std::string image = jsonpath({"-n", "istio-system", "deployment", "istiod-" + revision},
                               "{.spec.template.spec.containers[0].image}");
  // HUB/pilot:TAG -> HUB/proxyv2:TAG
  auto slash = image.rfind('/');
  auto colon = image.rfind(':');
  INFO("image of istiod-" << revision << ": " << image);
  REQUIRE(slash != std::string::npos);
  REQUIRE(colon != std::string::npos);
  REQUIRE(colon > slash);
  return image.substr(0, slash) + "/proxyv2" + image.substr(colon);
}

void createNamespace(const std::string& ns, const std::string& revision) {
  requireSuccess(kubectl({"create", "namespace", ns}), "kubectl create namespace " + ns);
  if (!revision.empty())
    requireSuccess(kubectl({"label", "namespace", ns, "istio.io/rev=" + revision}),
                   "kubectl label namespace " + ns + " istio.io/rev=" + revision);
}

json createDeployment(const std::string& ns, const std::string& name) {
  requireSuccess(kubectl({"-n", ns, "create", "deployment", name, "--image=nginx"}),
                 "kubectl -n " + ns + " create deployment " + name + " --image=nginx");
  return newestPod(ns, name);
}

json newestPod(const std::string& ns, const std::string& name, const std::string& replacing) {
  json found;
  std::string denied;
  bool ok = eventually(
      [&] {
        found = nullptr;
        // An injector's refusal is its answer, not a hiccup: the ReplicaSet would retry in vain.
        json sets = getJson({"replicasets", "-n", ns, "-l", "app=" + name});
        if (sets.is_object())
          for (const auto& rs : sets["items"])
            for (const auto& c : rs["status"].value("conditions", json::array()))
              if (c.value("type", "") == "ReplicaFailure" &&
                  c.value("message", "").find("denied the request") != std::string::npos)
                denied = c.value("message", "");
        if (!denied.empty()) return true;
        json pods = getJson({"pods", "-n", ns, "-l", "app=" + name});
        if (!pods.is_object()) return false;
        for (const auto& p : pods["items"]) {
          if (p["metadata"].contains("deletionTimestamp") || p["metadata"]["name"] == replacing) continue;
          if (found.is_null() || p["metadata"]["creationTimestamp"].get<std::string>() >
                                     found["metadata"]["creationTimestamp"].get<std::string>())
            found = p;
        }
        return !found.is_null();
      },
      std::chrono::seconds(60));
  INFO(show({"-n", ns, "get", "deploy,rs,pods", "-o", "wide"}));
  INFO(show({"-n", ns, "get", "events", "--field-selector", "reason=FailedCreate"}));
  INFO("admission refused the pod: " << denied);
  REQUIRE(denied.empty());
  REQUIRE(ok);
  return found;
}

json restartDeployment(const std::string& ns, const std::string& name) {
  const std::string before = newestPod(ns, name)["metadata"]["name"];
  requireSuccess(kubectl({"rollout", "restart", "deployment", "-n", ns, name}),
                 "kubectl rollout restart deployment -n " + ns + " " + name);
  auto status = kubectl({"rollout", "status", "deployment", "-n", ns, name, "--timeout=60s"});
  INFO(show({"-n", ns, "get", "events", "--field-selector", "reason=FailedCreate"}));
  requireSuccess(status, "kubectl rollout status deployment -n " + ns + " " + name);
  return newestPod(ns, name, before);
}

void checkIstioctlAnalyze() {
  auto built = run({"bash", std::string(IOP_SOURCE_DIR) + "/test/fidelity/build-istioctl.sh"}, "", false);
  REQUIRE(built.exitCode == 0);
  const std::string istioctl = built.out.substr(0, built.out.find('\n'));
  // stdout only: the JSON. istioctl exits non-zero when it finds errors, which the messages show.
  auto analyzed = run({istioctl, "analyze", "-A", "-o", "json", "--kubeconfig", kubeconfigPath()}, "", false);
  json messages = json::parse(analyzed.out, nullptr, false);
  INFO("$ istioctl analyze -A -o json (exit " << analyzed.exitCode << ")\n" << analyzed.out);
  REQUIRE(messages.is_array());
  for (const auto& m : messages) {
    const std::string line = m.value("level", "") + " [" + m.value("code", "") + "] (" + m.value("origin", "") +
                             ") " + m.value("message", "");
    announce("  istioctl analyze: " + line);
    INFO(line);
    CHECK(m.value("level", "") != "Error");
    CHECK(m.value("code", "") != "IST0108");
  }
}

}  // namespace iop::test::e2e
