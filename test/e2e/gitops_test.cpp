// GitOps: a tool (Argo CD, Flux, a CI job) re-applies the same CR files again and again. Once
// iop has converged, that must cost nothing: no write to any object it owns, no status churn,
// and the CR's spec stays exactly what the user wrote.
#include <catch2/catch.hpp>
#include <fstream>
#include <sstream>

#include "base/yaml_json.h"
#include "test/e2e/e2e_support.h"

using namespace iop::test;
using namespace iop::test::e2e;

namespace {

// The parts of an owned object a write by iop would change: everything but status (which
// controllers write), resourceVersion and managedFields, plus iop's own managedFields entry.
json writableState(const json& object) {
  json o = object;
  o.erase("status");
  o["metadata"].erase("resourceVersion");
  json iopFields = json::array();
  for (const auto& m : object["metadata"].value("managedFields", json::array()))
    if (m.value("manager", "") == "iop") iopFields.push_back(m);
  o["metadata"]["managedFields"] = iopFields;
  return o;
}

// Waits until the operator has sent no write for `quiet` (its last status update and events
// done); false when that does not happen within `timeout`.
bool waitQuiet(const OperatorProcess& op, std::chrono::seconds quiet, std::chrono::seconds timeout) {
  auto deadline = std::chrono::steady_clock::now() + timeout;
  auto last = operatorWrites(op);
  auto since = std::chrono::steady_clock::now();
  while (std::chrono::steady_clock::now() < deadline) {
    std::this_thread::sleep_for(std::chrono::milliseconds(500));
    auto now = operatorWrites(op);
    if (now != last) {
      last = now;
      since = std::chrono::steady_clock::now();
    } else if (std::chrono::steady_clock::now() - since >= quiet) {
      return true;
    }
  }
  return false;
}

const std::vector<std::string> kCRs = {"control-plane-1-8-0", "gateways"};
const std::map<std::string, std::string> kFiles = {{"control-plane-1-8-0", "control-plane-1-8-0.yaml"},
                                                   {"gateways", "gateways-1-8-0.yaml"}};

// The spec as the user wrote it in the example file.
json specInFile(const std::string& file) {
  std::ifstream in(example(file));
  std::stringstream s;
  s << in.rdbuf();
  auto docs = iop::base::yamlDocumentsToJson(s.str());
  REQUIRE(docs.size() == 1);
  return docs[0]["spec"];
}

}  // namespace

TEST_CASE(
    "GitOps: re-applying the same CR files (server-side and client-side) 20 times makes iop write nothing",
    "[e2e][gitops]") {
  PageCluster cluster("gitops");
  auto client = adminClient();
  const std::vector<std::string> files = {
      "-n", "istio-system", "-f", example("control-plane-1-8-0.yaml"), "-f", example("gateways-1-8-0.yaml")};
  auto apply = [&](bool serverSide) {
    std::vector<std::string> args{"apply"};
    if (serverSide) args.push_back("--server-side");
    args.insert(args.end(), files.begin(), files.end());
    return kubectl(args);
  };
  auto crResourceVersions = [&] {
    std::vector<std::string> rvs;
    for (const auto& cr : kCRs)
      rvs.push_back(jsonpath({"-n", "istio-system", "istiooperator", cr}, "{.metadata.resourceVersion}"));
    return rvs;
  };

  std::unique_ptr<OperatorProcess> op;
  {
    E2E_STEP("gitops 1: iop operator init --revision 1-8-0; kubectl apply --server-side the CRs; converge");
    op = initOperator("1-8-0");
    requireSuccess(apply(true), "kubectl apply --server-side");
    for (const auto& cr : kCRs) requireHealthy(cr);
    INFO("operator log: " << op->logPath());
    REQUIRE(waitQuiet(*op, std::chrono::seconds(6), std::chrono::seconds(60)));
  }

  const auto ownedBefore = managedObjects(*client, "operator.istio.io/managed=Reconcile");
  REQUIRE(ownedBefore.size() > 30);
  std::map<std::string, json> crsBefore;
  for (const auto& cr : kCRs) crsBefore[cr] = getJson({"-n", "istio-system", "istiooperator", cr});
  const auto writesBefore = operatorWrites(*op);

  std::vector<std::vector<std::string>> timeline{crResourceVersions()};
  {
    E2E_STEP("gitops 2: 20 rounds of kubectl apply: 10 with --server-side, then 10 client-side");
    for (int round = 0; round < 20; ++round) {
      bool serverSide = round < 10;
      auto r = apply(serverSide);
      INFO("round " << round << (serverSide ? " (server-side)" : " (client-side)") << ":\n" << r.out);
      REQUIRE(r.exitCode == 0);
      timeline.push_back(crResourceVersions());
    }
    // Longer than the operator's requeue of not-ready workloads (3 s): a reaction would show.
    std::this_thread::sleep_for(std::chrono::seconds(5));
  }
  {
    E2E_STEP("gitops 3: no write by iop, no status churn, the CRs' spec untouched");
    std::string rvs;
    for (const auto& round : timeline) rvs += round[0] + "/" + round[1] + " ";
    INFO("resourceVersions of the CRs after each round: " << rvs);
    INFO("operator log: " << op->logPath());
    CHECK(operatorWrites(*op) == writesBefore);

    // Nothing but the user writes the CRs: a server-side apply of the same file is a no-op, so
    // the resourceVersion stands still through the first ten rounds (any status write by iop
    // would move it); the first client-side apply adds kubectl's last-applied annotation, the
    // next ones send nothing.
    CHECK(crResourceVersions() == timeline.back());
    for (std::size_t r = 1; r <= 10; ++r) CHECK(timeline[r] == timeline[0]);
    for (std::size_t r = 12; r < timeline.size(); ++r) CHECK(timeline[r] == timeline[11]);

    for (const auto& cr : kCRs) {
      json now = getJson({"-n", "istio-system", "istiooperator", cr});
      INFO("IstioOperator " << cr);
      REQUIRE(now.is_object());
      CHECK(now["status"] == crsBefore[cr]["status"]);
      CHECK(now["spec"] == crsBefore[cr]["spec"]);
      CHECK(now["spec"] == specInFile(kFiles.at(cr)));
      CHECK(now["metadata"]["generation"] == crsBefore[cr]["metadata"]["generation"]);
      // iop writes only the finalizer and the status subresource, never the spec.
      for (const auto& m : now["metadata"].value("managedFields", json::array())) {
        if (m.value("manager", "") != "iop") continue;
        INFO("managedFields entry of iop: " << m.dump());
        CHECK_FALSE(m.value("fieldsV1", json::object()).contains("f:spec"));
      }
    }

    auto ownedAfter = managedObjects(*client, "operator.istio.io/managed=Reconcile");
    CHECK(ownedAfter.size() == ownedBefore.size());
    for (const auto& [key, before] : ownedBefore) {
      INFO(key);
      auto it = ownedAfter.find(key);
      REQUIRE(it != ownedAfter.end());
      CHECK(writableState(it->second) == writableState(before));
    }
  }
}
