// `iop install` of a control plane and a gateway, then `iop uninstall --revision`, leaves nothing
// of that revision behind, in any kind iop writes, and keeps the CRDs.
#include <catch2/catch.hpp>
#include <fstream>
#include <nlohmann/json.hpp>
#include <set>

#include "base/yaml_json.h"
#include "reconcilers/apply/ownership.h"
#include "test/support/cluster.h"
#include "test/support/iop_cli.h"

using iop::test::iopCli;
using iop::test::kubectl;
using iop::test::uniqueName;
using json = nlohmann::json;

namespace {

// "Kind namespace/name" of every object of every prunable kind iop writes that matches
// `selector`, in every namespace, narrowed per kind as iop narrows it (EndpointSlices the
// endpointslice controller copies a Service's labels onto are not iop's).
std::set<std::string> listOwned(const std::string& selector) {
  std::set<std::string> out;
  for (const auto& k : iop::reconcilers::ownedKinds()) {
    if (!k.prunable) continue;
    std::string kind = k.gvk.kind + (k.gvk.group.empty() ? "" : "." + k.gvk.version + "." + k.gvk.group);
    auto r = kubectl({"get", kind, "-A", "-l", iop::reconcilers::selectorFor(selector, k), "-o", "json"});
    INFO(r.out);
    REQUIRE(r.exitCode == 0);
    const json list = json::parse(r.out);
    for (const auto& o : list["items"]) out.insert(iop::reconcilers::describeObject(o));
  }
  return out;
}

// What `iop manifest generate` renders for the file, CRDs aside (they are never removed).
std::set<std::string> rendered(const std::string& file, const std::string& rev, std::set<std::string>& crds) {
  auto r = iop::test::run({IOP_BINARY, "manifest", "generate", "-f", file, "--revision", rev}, "", false);
  REQUIRE(r.exitCode == 0);
  std::set<std::string> out;
  for (const auto& o : iop::base::yamlDocumentsToJson(r.out)) {
    if (!o.is_object()) continue;
    if (o["kind"] == "CustomResourceDefinition") {
      crds.insert(o["metadata"]["name"].get<std::string>());
      continue;
    }
    json copy = o;
    const auto* kind = iop::reconcilers::ownedKind(o["kind"]);
    if (kind && !kind->namespaced) copy["metadata"].erase("namespace");
    out.insert(iop::reconcilers::describeObject(copy));
  }
  return out;
}

}  // namespace

TEST_CASE(
    "install of a control plane and a gateway then uninstall --revision leaves nothing of that revision in "
    "any kind iop writes, and keeps the CRDs",
    "[install][uninstall]") {
  auto ns = uniqueName("iop-rt");
  auto rev = uniqueName("rt");
  const std::string dir = iop::test::clusterDir();
  const std::string cp = dir + "/" + ns + "-cp.yaml", gw = dir + "/" + ns + "-gw.yaml";
  std::ofstream(cp) << "apiVersion: install.istio.io/v1alpha1\nkind: IstioOperator\nmetadata:\n  name: cp\n"
                       "spec:\n  profile: minimal"
                    << "\n  values:\n    global:\n      istioNamespace: " << ns << "\n";
  std::ofstream(gw) << "apiVersion: install.istio.io/v1alpha1\nkind: IstioOperator\nmetadata:\n  name: gw\n"
                       "spec:\n  profile: empty\n  values:\n    global:\n      istioNamespace: "
                    << ns << "\n  components:\n    ingressGateways:\n    - name: igw\n      enabled: true\n";
  std::set<std::string> crds;
  auto want = rendered(cp, rev, crds);
  for (const auto& o : rendered(gw, rev, crds)) want.insert(o);
  REQUIRE(want.size() > 20);
  REQUIRE(!crds.empty());

  for (const auto& file : {cp, gw}) {
    auto r = iopCli({"install", "-f", file, "-n", ns, "--revision", rev, "-y", "--readiness-timeout", "60"});
    INFO(r.out);
    REQUIRE(r.exitCode == 0);
  }
  const std::string byRevision = std::string(iop::reconcilers::kManagedLabel) + "=Reconcile," +
                                 iop::reconcilers::kRevisionLabel + "=" + rev;
  const std::string byCp = iop::reconcilers::Owner{"cp", ns}.labelSelector();
  const std::string byGw = iop::reconcilers::Owner{"gw", ns}.labelSelector();
  std::set<std::string> owned = listOwned(byCp);
  for (const auto& o : listOwned(byGw)) owned.insert(o);
  CHECK(owned == want);
  // Every object the two CRs own carries the revision label uninstall --revision selects by.
  CHECK(listOwned(byRevision) == owned);

  auto dry = iopCli({"uninstall", "--revision", rev, "--dry-run"});
  INFO(dry.out);
  REQUIRE(dry.exitCode == 0);
  for (const auto& o : owned) CHECK(dry.out.find("  " + o + "\n") != std::string::npos);
  CHECK(listOwned(byRevision) == owned);

  auto removed = iopCli({"uninstall", "--revision", rev, "-y"});
  INFO(removed.out);
  REQUIRE(removed.exitCode == 0);
  // The list comes first, then the removal.
  auto listed = removed.out.find("These objects will be removed");
  REQUIRE(listed != std::string::npos);
  for (const auto& o : owned)
    CHECK(removed.out.find("  " + o + "\n", listed) < removed.out.find("Uninstall complete"));
  CHECK(listOwned(byRevision).empty());
  CHECK(listOwned(byCp).empty());
  CHECK(listOwned(byGw).empty());
  for (const auto& crd : crds) CHECK(kubectl({"get", "crd", crd}).exitCode == 0);

  kubectl({"delete", "namespace", ns, "--wait=false"});
  std::remove(cp.c_str());
  std::remove(gw.c_str());
}
