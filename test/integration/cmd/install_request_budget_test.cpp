// What `iop install` asks of the API server, counted by kube-apiserver itself (its
// apiserver_request_total on /metrics), not by iop. The test starts a cluster of its own: on the
// shared fixture cluster other tests' requests would be counted in.
#include <catch2/catch.hpp>
#include <fstream>
#include <map>
#include <regex>
#include <sstream>
#include <tuple>

#include "kube/client.h"
#include "reconcilers/apply/ownership.h"
#include "test/support/own_cluster.h"
#include "test/support/process.h"

namespace {

using iop::test::OwnCluster;
using iop::test::ProcessResult;
using iop::test::run;

// (verb, resource, subresource) -> requests served. Verb APPLY is server-side apply, which only
// iop sends here; the controllers write with POST/PUT/PATCH.
using Counts = std::map<std::tuple<std::string, std::string, std::string>, long>;

Counts scrape(iop::kube::Client& client) {
  auto r = client.request({.path = "/metrics", .accept = "text/plain"});
  INFO((r ? "" : r.error().describe()));
  REQUIRE(r.ok());
  static const std::regex line(R"(^apiserver_request_total\{(.*)\} (\S+)$)");
  static const std::regex label(R"re((\w+)="([^"]*)")re");
  Counts out;
  std::istringstream in(r->body);
  for (std::string l; std::getline(in, l);) {
    std::smatch m;
    if (!std::regex_match(l, m, line)) continue;
    std::map<std::string, std::string> labels;
    const std::string all = m[1];
    for (auto it = std::sregex_iterator(all.begin(), all.end(), label); it != std::sregex_iterator(); ++it)
      labels[(*it)[1]] = (*it)[2];
    out[{labels["verb"], labels["resource"], labels["subresource"]}] += std::stol(m[2]);
  }
  return out;
}

Counts minus(const Counts& after, const Counts& before) {
  Counts out;
  for (const auto& [k, v] : after) {
    auto it = before.find(k);
    long d = v - (it == before.end() ? 0 : it->second);
    if (d) out[k] = d;
  }
  return out;
}

long count(const Counts& c, const std::string& verb, const std::string& resource) {
  auto it = c.find({verb, resource, ""});
  return it == c.end() ? 0 : it->second;
}

std::string describe(const Counts& c) {
  std::string s;
  for (const auto& [k, v] : c)
    s += std::get<0>(k) + " " + std::get<1>(k) + (std::get<2>(k).empty() ? "" : "/" + std::get<2>(k)) + ": " +
         std::to_string(v) + "\n";
  return s;
}

std::string defaultProfileIn(const std::string& ns) {
  std::string file = "/tmp/" + ns + "-budget.yaml";
  std::ofstream(file) << "apiVersion: install.istio.io/v1alpha1\nkind: IstioOperator\nmetadata:\n"
                         "  name: default-install\n  namespace: "
                      << ns << "\nspec:\n  profile: default"
                      << "\n  values:\n    global:\n      istioNamespace: " << ns << "\n";
  return file;
}

}  // namespace

TEST_CASE(
    "a repeated iop install reads each owned kind once and writes nothing; objects of another "
    "installation cost one lookup of their owner",
    "[install][requests]") {
  OwnCluster cluster;
  auto kubectl = [&](std::vector<std::string> args) {
    args.insert(args.begin(), {"kubectl", "--kubeconfig", cluster.kubeconfig()});
    return run(args);
  };
  auto iop = [&](std::vector<std::string> args) {
    args.insert(args.begin(), IOP_BINARY);
    args.push_back("--kubeconfig=" + cluster.kubeconfig());
    return run(args);
  };
  // With the IstioOperator kind served, checking another owner is a GET the server counts.
  REQUIRE(kubectl({"apply", "--server-side", "-f", std::string(IOP_SOURCE_DIR) + "/crds/istiooperator.yaml"})
              .exitCode == 0);
  REQUIRE(
      kubectl({"wait", "--for=condition=Established", "--timeout=60s", "crd/istiooperators.install.istio.io"})
          .exitCode == 0);
  REQUIRE(kubectl({"create", "namespace", "budget-a"}).exitCode == 0);
  REQUIRE(kubectl({"create", "namespace", "budget-b"}).exitCode == 0);

  auto config = iop::kube::loadKubeconfig({.path = cluster.kubeconfig()});
  REQUIRE(config.ok());
  auto client = iop::kube::Client::create(*config);
  REQUIRE(client.ok());
  std::map<std::string, std::string> resourceOf;  // owned kind -> its resource
  for (const auto& k : iop::reconcilers::ownedKinds()) {
    auto info = (*client)->resolve(k.gvk);
    REQUIRE(info.ok());
    resourceOf[k.gvk.kind] = info->gvr.resource;
  }

  const std::string fileA = defaultProfileIn("budget-a");
  const std::vector<std::string> installA{
      "install", "-y", "-f", fileA, "--revision", "budget", "--readiness-timeout", "60"};
  ProcessResult first = iop(installA);
  INFO(first.out);
  REQUIRE(first.exitCode == 0);
  auto workloads = iop({"install", "-f", fileA, "--revision", "budget", "--dry-run"});
  REQUIRE(workloads.exitCode == 0);
  long deployments = 0;
  for (std::size_t p = 0; (p = workloads.out.find("\nkind: Deployment\n", p)) != std::string::npos; ++p)
    ++deployments;
  REQUIRE(deployments > 0);

  {  // The same file again: no write, no GET of any object but a readiness read per workload.
    auto before = scrape(**client);
    ProcessResult again = iop(installA);
    auto spent = minus(scrape(**client), before);
    INFO(again.out);
    INFO("requests served meanwhile:\n" << describe(spent));
    REQUIRE(again.exitCode == 0);

    long applies = 0;
    for (const auto& [k, v] : spent)
      if (std::get<0>(k) == "APPLY") applies += v;
    CHECK(applies == 0);
    CHECK(count(spent, "POST", "namespaces") == 0);
    CHECK(count(spent, "GET", "istiooperators") == 0);
    for (const auto& k : iop::reconcilers::ownedKinds()) {
      const std::string& resource = resourceOf[k.gvk.kind];
      INFO(k.gvk.kind);
      CHECK(count(spent, "LIST", resource) <= 1);
      if (k.prunable && k.gvk.kind != "EndpointSlice")  // the endpointslice controller's own writes
        CHECK(count(spent, "DELETE", resource) == 0);
      // Deployments are read once more, fresh, for their readiness.
      CHECK(count(spent, "GET", resource) <= (k.gvk.kind == "Deployment" ? deployments : 0));
    }
  }

  {  // The file in another namespace: the other installation's owner is looked up once.
    // Same revision, so the cluster-scoped objects (CRDs, cluster roles, webhooks) are the ones
    // budget-a's installation owns, whose IstioOperator is not in the cluster: they are taken over.
    const std::string fileB = defaultProfileIn("budget-b");
    auto before = scrape(**client);
    ProcessResult other =
        iop({"install", "-y", "-f", fileB, "--revision", "budget", "--readiness-timeout", "60"});
    auto spent = minus(scrape(**client), before);
    INFO(other.out);
    INFO("requests served meanwhile:\n" << describe(spent));
    REQUIRE(other.exitCode == 0);
    CHECK(count(spent, "GET", "istiooperators") == 1);
    CHECK(count(spent, "APPLY", "customresourcedefinitions") > 1);
    for (const auto& k : iop::reconcilers::ownedKinds()) {
      INFO(k.gvk.kind);
      if (k.gvk.kind != "Deployment") CHECK(count(spent, "GET", resourceOf[k.gvk.kind]) == 0);
    }
  }
}
