// Two revisions' operators side by side in one namespace: installing and removing the second
// writes nothing of the first, and remove keeps the CRD and the IstioOperator CRs.
#include <catch2/catch.hpp>
#include <map>
#include <nlohmann/json.hpp>

#include "test/support/cluster.h"
#include "test/support/iop_cli.h"

using iop::test::iopCli;
using iop::test::kubectl;
using iop::test::uniqueName;
using json = nlohmann::json;

namespace {

const char* kOperatorKinds =
    "deployments,services,serviceaccounts,roles,rolebindings,clusterroles,clusterrolebindings";

// resourceVersion of each object of one revision's operator. For the Deployment, whose status the
// controllers keep writing, the generation and operator init's own managedFields entry instead.
std::map<std::string, json> operatorStamps(const std::string& rev) {
  auto r = kubectl({"get", kOperatorKinds, "-A", "-l", "app=istio-operator,operator.istio.io/revision=" + rev,
                    "-o", "json", "--show-managed-fields"});
  INFO(r.out);
  REQUIRE(r.exitCode == 0);
  std::map<std::string, json> out;
  const json items = json::parse(r.out)["items"];
  for (const auto& o : items) {
    const auto& meta = o["metadata"];
    std::string key = o["kind"].get<std::string>() + " " + meta.value("namespace", "") + "/" +
                      meta["name"].get<std::string>();
    if (o["kind"] != "Deployment") {
      out[key] = meta["resourceVersion"];
      continue;
    }
    json stamp = {{"generation", meta["generation"]}, {"managedByInit", json::array()}};
    for (const auto& m : meta["managedFields"])
      if (m["manager"] == "iop-operator-init") stamp["managedByInit"].push_back(m);
    out[key] = stamp;
  }
  return out;
}

void applyCR(const std::string& ns, const std::string& name, const std::string& rev) {
  auto r = kubectl({"apply", "-f", "-"},
                   "apiVersion: install.istio.io/v1alpha1\nkind: IstioOperator\nmetadata:\n  name: " + name +
                       "\n  namespace: " + ns + "\nspec:\n  profile: empty\n  revision: " + rev + "\n");
  INFO(r.out);
  REQUIRE(r.exitCode == 0);
}

}  // namespace

TEST_CASE(
    "a second revision's operator init and operator remove write nothing of the first, and remove keeps the "
    "CRD and the CRs",
    "[operator]") {
  auto ns = uniqueName("iop-2rev");
  auto a = uniqueName("ra"), b = uniqueName("rb");
  auto initA =
      iopCli({"operator", "init", "--revision", a, "--operator-namespace", ns, "--watched-namespaces", ns});
  INFO(initA.out);
  REQUIRE(initA.exitCode == 0);
  applyCR(ns, "cp-" + a, a);
  auto stampsA = operatorStamps(a);
  // ServiceAccount, ClusterRole and binding, Role and binding, Deployment: no metrics Service,
  // /metrics listens on loopback unless init --expose-metrics.
  REQUIRE(stampsA.size() == 6);

  auto initB =
      iopCli({"operator", "init", "--revision", b, "--operatorNamespace", ns, "--watchedNamespaces", ns});
  INFO(initB.out);
  REQUIRE(initB.exitCode == 0);
  applyCR(ns, "cp-" + b, b);
  REQUIRE(operatorStamps(b).size() == 6);
  CHECK(operatorStamps(a) == stampsA);

  // version --remote names both operators of the namespace, by revision.
  auto versions = iopCli({"version", "--remote", "-n", ns});
  INFO(versions.out);
  CHECK(versions.exitCode == 0);
  CHECK(versions.out.find("operator revision " + a + ": version ") != std::string::npos);
  CHECK(versions.out.find("Deployment " + ns + "/istio-operator-" + b) != std::string::npos);

  auto removeB = iopCli({"operator", "remove", "--revision", b, "--skip-confirmation"});
  INFO(removeB.out);
  REQUIRE(removeB.exitCode == 0);
  CHECK(operatorStamps(b).empty());
  CHECK(operatorStamps(a) == stampsA);
  CHECK(kubectl({"get", "crd", "istiooperators.install.istio.io"}).exitCode == 0);
  CHECK(kubectl({"-n", ns, "get", "istiooperator", "cp-" + a}).exitCode == 0);
  CHECK(kubectl({"-n", ns, "get", "istiooperator", "cp-" + b}).exitCode == 0);

  REQUIRE(iopCli({"operator", "remove", "--revision", a, "-y"}).exitCode == 0);
  CHECK(kubectl({"-n", ns, "get", "istiooperator", "cp-" + a}).exitCode == 0);
  kubectl({"-n", ns, "delete", "istiooperator", "--all", "--wait=false"});
  kubectl({"delete", "namespace", ns, "--wait=false"});
}

TEST_CASE("the ClusterRole operator init writes grants no wildcard verb or resource on core resources",
          "[operator]") {
  auto ns = uniqueName("iop-rbac");
  auto rev = uniqueName("rr");
  auto init =
      iopCli({"operator", "init", "--revision", rev, "--operator-namespace", ns, "--watched-namespaces", ns});
  INFO(init.out);
  REQUIRE(init.exitCode == 0);
  auto r = kubectl({"get", "clusterrole", "istio-operator-" + rev, "-o", "json"});
  REQUIRE(r.exitCode == 0);
  int coreRules = 0;
  const json rules = json::parse(r.out)["rules"];
  for (const auto& rule : rules) {
    INFO(rule.dump());
    bool core = false;
    for (const auto& g : rule["apiGroups"]) core |= g == "" || g == "*";
    if (!core) continue;
    ++coreRules;
    for (const auto& v : rule["verbs"]) CHECK(v != "*");
    for (const auto& res : rule["resources"]) CHECK(res != "*");
    for (const auto& res : rule["resources"]) CHECK(res != "secrets");
  }
  CHECK(coreRules >= 2);
  REQUIRE(iopCli({"operator", "remove", "--revision", rev, "-y"}).exitCode == 0);
  kubectl({"delete", "namespace", ns, "--wait=false"});
}
