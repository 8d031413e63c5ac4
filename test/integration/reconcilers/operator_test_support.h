#pragma once

// Shared by the reconciler integration tests: an in-process operator (the same
// OperatorRuntime `iop run` runs) for one revision and one namespace, and IstioOperator CRs.
#include <atomic>
#include <catch2/catch.hpp>
#include <functional>
#include <memory>
#include <thread>

#include "../kube/kube_test_support.h"
#include "reconcilers/apply/ownership.h"
#include "reconcilers/operator/operator_runtime.h"

namespace iop::reconcilers::testing {

using namespace iop::kube::testing;
using json = nlohmann::json;

inline const kube::GroupVersionKind kDeployment{"apps", "v1", "Deployment"};
inline const kube::GroupVersionKind kService{"", "v1", "Service"};
inline const kube::GroupVersionKind kEndpointSlice{"discovery.k8s.io", "v1", "EndpointSlice"};

// Installs the IstioOperator CRD once per process, as a user would (kubectl server-side).
inline void ensureCRD() {
  static bool done = [] {
    auto r = iop::test::kubectl({"apply", "--server-side", "--force-conflicts", "-f",
                                 std::string(IOP_SOURCE_DIR) + "/crds/istiooperator.yaml"});
    INFO(r.out);
    REQUIRE(r.exitCode == 0);
    auto w = iop::test::kubectl(
        {"wait", "--for=condition=Established", "--timeout=30s", "crd/istiooperators.install.istio.io"});
    INFO(w.out);
    REQUIRE(w.exitCode == 0);
    return true;
  }();
  (void)done;
}

// An operator running on its own thread with its own client (so its requests can be counted);
// stopped and joined at scope exit.
class RunningOperator {
 public:
  // `adjust`, when given, changes the options after the test defaults are set.
  RunningOperator(const std::string& revision, const std::string& watchNamespace,
                  const std::function<void(OperatorOptions&)>& adjust = {}) {
    ensureCRD();
    client_ = adminClient();
    OperatorOptions o;
    o.revision = revision;
    o.watchNamespaces = {watchNamespace};
    o.metricsAddress = "127.0.0.1:0";
    o.healthAddress = "127.0.0.1:0";
    o.workers = 2;
    o.handleSignals = false;
    o.iopVersion = "test";
    o.notReadyRequeue = std::chrono::milliseconds(500);
    o.pruneWait = std::chrono::seconds(5);
    if (adjust) adjust(o);
    runtime_ = std::make_unique<OperatorRuntime>(*client_, std::move(o));
    thread_ = std::thread([this] { error_ = runtime_->run(); });
    REQUIRE(runtime_->manager().waitUntilServing(std::chrono::seconds(10)));
  }
  ~RunningOperator() {
    runtime_->stop();
    thread_.join();
  }
  kube::Client& client() { return *client_; }
  // "PATCH 200 x3, POST 201 x1" for failure messages.
  std::string describeRequests() const {
    std::string out;
    for (const auto& [key, count] : client_->requestCounts())
      out += key.first + " " + std::to_string(key.second) + " x" + std::to_string(count) + ", ";
    return out;
  }
  // Writes of any kind this operator sent (POST, PUT, PATCH, DELETE).
  std::uint64_t writes() const {
    std::uint64_t n = 0;
    for (const auto& [key, count] : client_->requestCounts())
      if (key.first != "GET" && key.first != "WATCH") n += count;
    return n;
  }

 private:
  std::unique_ptr<kube::Client> client_;
  std::unique_ptr<OperatorRuntime> runtime_;
  std::optional<std::string> error_;
  std::thread thread_;
};

// A CR with profile empty and the given ingress gateways (name -> enabled), installing into ns.
inline json gatewayCR(const std::string& ns, const std::string& name, const std::string& revision,
                      const std::vector<std::pair<std::string, bool>>& gateways) {
  json gws = json::array();
  for (const auto& [n, enabled] : gateways) gws.push_back({{"name", n}, {"enabled", enabled}});
  return {{"apiVersion", "install.istio.io/v1alpha1"},
          {"kind", "IstioOperator"},
          {"metadata", {{"name", name}, {"namespace", ns}}},
          {"spec",
           {{"profile", "empty"},
            {"revision", revision},
            // Istio's installer places components in values.global.istioNamespace.
            {"values", {{"global", {{"istioNamespace", ns}}}}},
            {"components", {{"ingressGateways", gws}}}}}};
}

// Applies a CR as its user would (its own field manager, not iop's).
inline void applyCR(kube::Client& client, const json& cr) {
  auto r = client.apply(cr, {.fieldManager = "kubectl", .force = true});
  INFO((r ? "" : r.error().describe()));
  REQUIRE(r.ok());
}

inline json getCR(kube::Client& client, const std::string& ns, const std::string& name) {
  auto r = client.get(kIstioOperatorGVK, ns, name);
  return r ? *r : json();
}

inline std::string crStatus(kube::Client& client, const std::string& ns, const std::string& name) {
  json cr = getCR(client, ns, name);
  if (!cr.is_object() || !cr.contains("status")) return "";
  return cr["status"].value("status", "");
}

inline bool exists(kube::Client& client, const kube::GroupVersionKind& gvk, const std::string& ns,
                   const std::string& name) {
  return client.get(gvk, ns, name).ok();
}

inline std::string label(const json& o, const std::string& key) {
  return o["metadata"].value("labels", json::object()).value(key, "");
}

// The object, or null when it cannot be read.
inline json getOr(kube::Client& c, const kube::GroupVersionKind& gvk, const std::string& ns,
                  const std::string& name) {
  auto r = c.get(gvk, ns, name);
  return r ? *r : json();
}

// The condition of that type in a CR's status, null when absent.
inline json condition(const json& cr, const std::string& type) {
  if (!cr.is_object() || !cr.contains("status")) return json();
  for (const auto& c : cr["status"].value("conditions", json::array()))
    if (c.value("type", "") == type) return c;
  return json();
}

inline void kubectlOk(const std::vector<std::string>& args, const std::string& stdinText = "") {
  auto r = iop::test::kubectl(args, stdinText);
  INFO("kubectl " << args.at(0) << ": " << r.out);
  REQUIRE(r.exitCode == 0);
}

// Calls `poll` every `every` on its own thread from construction until stop() or
// destruction, for watching objects while something else happens.
class Poller {
 public:
  Poller(std::chrono::milliseconds every, std::function<void()> poll)
      : thread_([every, poll = std::move(poll), this](std::stop_token stop) {
          while (!stop.stop_requested()) {
            poll();
            ++rounds_;
            std::this_thread::sleep_for(every);
          }
        }) {}
  void stop() {
    thread_.request_stop();
    if (thread_.joinable()) thread_.join();
  }
  int rounds() const { return rounds_; }

 private:
  std::atomic<int> rounds_{0};
  std::jthread thread_;  // last: joined before rounds_ goes
};

}  // namespace iop::reconcilers::testing
