#pragma once

// Shared by the fault tests: `iop run` as a separate process (so it can be SIGKILLed), and the
// checks of what the cluster holds afterwards, computed from the cluster and the renderer, never
// from the operator's own account.
#include <catch2/catch.hpp>
#include <map>
#include <set>
#include <string>
#include <vector>

#include "reconcilers/render/render.h"
#include "test/integration/reconcilers/operator_test_support.h"
#include "test/support/http_get.h"
#include "test/support/operator_process.h"

namespace iop::fault::testing {

using namespace iop::reconcilers::testing;
using nlohmann::json;
using reconcilers::kIstioOperatorGVK;

// `iop run` for one revision and namespace with the given kubeconfig. Leader election is off
// unless `leaseNamespace` is given (then the Lease lives there, with identity `podName`).
inline iop::test::OperatorLaunch operatorLaunch(const std::string& kubeconfig, const std::string& revision,
                                                const std::string& ns, const std::string& leaseNamespace = "",
                                                const std::string& podName = "") {
  iop::test::OperatorLaunch launch{
      IOP_BINARY, kubeconfig, {"--revision", revision, "--watch-namespace", ns}, {}};
  if (leaseNamespace.empty()) {
    launch.args.insert(launch.args.end(), {"--leader-elect", "false"});
  } else {
    launch.args.insert(launch.args.end(), {"--leader-elect", "true", "--leader-election-namespace",
                                           leaseNamespace, "--pod-name", podName});
  }
  return launch;
}

struct OwnedObject {
  std::string uid;
  std::string owner;  // the owning CR's name (its namespace is the test's)
};

// Every object in the cluster, of every kind iop writes, whose ownership labels name a CR in
// namespace `crNamespace`, keyed by describeObject ("Deployment ns/name"). EndpointSlices that
// the endpointslice controller made for a Service (it copies the Service's labels) are not iop's.
inline std::map<std::string, OwnedObject> ownedObjects(kube::Client& client, const std::string& crNamespace) {
  std::map<std::string, OwnedObject> out;
  for (const auto& kind : reconcilers::ownedKinds()) {
    auto list = client.listAll(
        kind.gvk, "", {.labelSelector = std::string(reconcilers::kOwningNamespaceLabel) + "=" + crNamespace});
    INFO("listing " << kind.gvk.kind << ": " << (list ? "" : list.error().describe()));
    REQUIRE(list.ok());
    for (auto item : (*list)["items"]) {
      if (item["metadata"].value("labels", json::object()).contains("endpointslice.kubernetes.io/managed-by"))
        continue;
      item["kind"] = kind.gvk.kind;  // lists leave kind off their items
      out[reconcilers::describeObject(item)] = {item["metadata"].value("uid", ""),
                                                reconcilers::ownerOf(item).name};
    }
  }
  return out;
}

// The objects `cr` must own, from the same renderer the operator runs.
inline std::set<std::string> desiredObjects(const json& cr) {
  auto parsed = reconcilers::istioOperatorFromJson(cr);
  INFO("parsing the test's own CR: " << (parsed.errors.empty() ? "" : parsed.errors.front().str()));
  REQUIRE(parsed.ok());
  auto rendered = reconcilers::render(*parsed.iop, {.iopVersion = "test"});
  REQUIRE(rendered.ok());
  std::set<std::string> out;
  for (const auto& o : rendered.objects) out.insert(reconcilers::describeObject(o.object));
  return out;
}

// Writes (POST, PUT, PATCH, DELETE) a running operator counted in its own /metrics
// (rest_client_requests_total by method); -1 when /metrics does not answer.
inline long long metricWrites(unsigned short metricsPort) {
  auto got = iop::test::httpGet(metricsPort, "/metrics");
  if (got.status != 200) return -1;
  long long writes = 0;
  std::istringstream lines(got.body);
  for (std::string line; std::getline(lines, line);) {
    if (line.rfind("rest_client_requests_total{", 0) != 0) continue;
    for (const char* m : {"method=\"POST\"", "method=\"PUT\"", "method=\"PATCH\"", "method=\"DELETE\""}) {
      if (line.find(m) != std::string::npos) writes += std::stoll(line.substr(line.rfind(' ') + 1));
    }
  }
  return writes;
}

// Names of the CRs in `names` whose status is not HEALTHY (empty when all are).
inline std::vector<std::string> notHealthy(kube::Client& client, const std::string& ns,
                                           const std::vector<std::string>& names) {
  std::vector<std::string> out;
  for (const auto& n : names) {
    std::string s = crStatus(client, ns, n);
    if (s != "HEALTHY") out.push_back(n + "=" + (s.empty() ? "<none>" : s));
  }
  return out;
}

}  // namespace iop::fault::testing
