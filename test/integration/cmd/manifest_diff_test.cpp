// `iop manifest diff` against the real cluster: a server-side dry run of what `iop install` would
// write, printed per object, with diff(1)'s exit codes, and no write of its own.
#include <catch2/catch.hpp>
#include <fstream>
#include <map>
#include <nlohmann/json.hpp>

#include "base/yaml_json.h"
#include "test/support/cluster.h"
#include "test/support/iop_cli.h"

using iop::test::iopCli;
using iop::test::kubectl;
using iop::test::uniqueName;
using json = nlohmann::json;

namespace {

std::string gatewaysCR(const std::string& ns, const std::string& igw2Enabled,
                       const std::string& igwK8s = "") {
  return "apiVersion: install.istio.io/v1alpha1\nkind: IstioOperator\nmetadata:\n  name: gateways\n"
         "spec:\n  profile: empty\n  values:\n    global:\n      istioNamespace: " +
         ns + "\n  components:\n    ingressGateways:\n    - name: igw\n      enabled: true\n" + igwK8s +
         "    - name: igw2\n      enabled: " + igw2Enabled + "\n";
}

std::size_t count(const std::string& text, const std::string& what) {
  std::size_t n = 0;
  for (auto at = text.find(what); at != std::string::npos; at = text.find(what, at + 1)) ++n;
  return n;
}

// Whether a write happened since: resourceVersion of everything the CR owns, except Deployments,
// whose status the controllers keep writing; for those, the spec generation and iop's own entry in
// managedFields (its time moves on any write by iop, dry runs excepted).
std::map<std::string, json> writeStamps(const std::string& selector) {
  auto r = kubectl({"get",
                    "deployments,services,serviceaccounts,roles,rolebindings,poddisruptionbudgets,configmaps",
                    "-A", "-l", selector, "-o", "json", "--show-managed-fields"});
  REQUIRE(r.exitCode == 0);
  std::map<std::string, json> out;
  const json items = json::parse(r.out)["items"];
  for (const auto& o : items) {
    const auto& meta = o["metadata"];
    std::string key = o["kind"].get<std::string>() + " " + meta["namespace"].get<std::string>() + "/" +
                      meta["name"].get<std::string>();
    if (o["kind"] != "Deployment") {
      out[key] = meta["resourceVersion"];
      continue;
    }
    json stamp = {{"generation", meta["generation"]}, {"managedByIop", json::array()}};
    for (const auto& m : meta["managedFields"])
      if (m["manager"] == "iop") stamp["managedByIop"].push_back(m);
    out[key] = stamp;
  }
  return out;
}

}  // namespace

TEST_CASE(
    "manifest diff lists every object as new before install, nothing right after it, then the changed "
    "fields and the objects prune would delete, and writes nothing",
    "[manifest][diff]") {
  auto ns = uniqueName("iop-diff");
  auto rev = uniqueName("rd");
  REQUIRE(kubectl({"create", "namespace", ns}).exitCode == 0);
  std::string file = iop::test::clusterDir() + "/" + ns + ".yaml";
  std::ofstream(file) << gatewaysCR(ns, "true");

  // Before install: every rendered object is new, and the dry run created none of them.
  auto generated =
      iop::test::run({IOP_BINARY, "manifest", "generate", "-f", file, "--revision", rev}, "", false);
  REQUIRE(generated.exitCode == 0);
  auto docs = iop::base::yamlDocumentsToJson(generated.out);
  REQUIRE(docs.size() >= 10);
  auto before = iopCli({"manifest", "diff", "-f", file, "-n", ns, "--revision", rev});
  INFO(before.out);
  CHECK(before.exitCode == 1);
  CHECK(count(before.out, "+ new object") == docs.size());
  CHECK(before.out.find("Deployment " + ns + "/igw  [IngressGateways]\n+ new object\n") != std::string::npos);
  CHECK(before.out.find(std::to_string(docs.size()) + " object(s) would change: " +
                        std::to_string(docs.size()) + " new, 0 changed, 0 pruned.") != std::string::npos);
  CHECK(kubectl({"-n", ns, "get", "deployment", "igw"}).exitCode != 0);

  auto installed =
      iopCli({"install", "-f", file, "-n", ns, "--revision", rev, "-y", "--readiness-timeout", "60"});
  INFO(installed.out);
  REQUIRE(installed.exitCode == 0);

  auto same = iopCli({"manifest", "diff", "-f", file, "-n", ns, "--revision", rev});
  INFO(same.out);
  CHECK(same.exitCode == 0);
  CHECK(same.out.find("No changes") != std::string::npos);

  const std::string owner = "install.operator.istio.io/owning-resource=gateways";
  auto stamps = writeStamps(owner + ",istio.io/rev=" + rev);
  REQUIRE(stamps.size() >= 8);

  // A gateway's resources change: one hunk on the proxy container, with the old and new values.
  std::ofstream(file) << gatewaysCR(
      ns, "true", "      k8s:\n        resources:\n          requests:\n            cpu: 123m\n");
  auto changed = iopCli({"manifest", "diff", "-f", file, "-n", ns, "--revision", rev});
  INFO(changed.out);
  CHECK(changed.exitCode == 1);
  CHECK(changed.out.find("Deployment " + ns + "/igw  [IngressGateways]\n") != std::string::npos);
  CHECK(changed.out.find("spec.template.spec.containers[name=istio-proxy].resources.requests.cpu\n-   \"") !=
        std::string::npos);
  CHECK(changed.out.find("+   \"123m\"\n") != std::string::npos);
  CHECK(changed.out.find("igw2") == std::string::npos);
  CHECK(changed.out.find("0 new, 1 changed, 0 pruned") != std::string::npos);

  // A gateway disabled: each of its objects would be pruned, the other gateway is untouched.
  std::ofstream(file) << gatewaysCR(ns, "false");
  auto disabled = iopCli({"manifest", "diff", "-f", file, "-n", ns, "--revision", rev});
  INFO(disabled.out);
  CHECK(disabled.exitCode == 1);
  CHECK(disabled.out.find("Deployment " + ns + "/igw2  [IngressGateways]\n- would be pruned\n") !=
        std::string::npos);
  CHECK(disabled.out.find("Service " + ns + "/igw2  [IngressGateways]\n- would be pruned\n") !=
        std::string::npos);
  CHECK(disabled.out.find("/igw  [") == std::string::npos);

  // None of the three diffs wrote anything.
  CHECK(writeStamps(owner + ",istio.io/rev=" + rev) == stamps);
  CHECK(kubectl({"-n", ns, "get", "deployment", "igw2"}).exitCode == 0);

  REQUIRE(iopCli({"uninstall", "--revision", rev, "-y"}).exitCode == 0);
  kubectl({"delete", "namespace", ns, "--wait=false"});
  std::remove(file.c_str());
}

TEST_CASE("manifest diff of objects in a namespace that does not exist yet lists the namespace as new",
          "[manifest][diff]") {
  auto ns = uniqueName("iop-diff-nons");
  std::string file = iop::test::clusterDir() + "/" + ns + ".yaml";
  std::ofstream(file) << gatewaysCR(ns, "false");
  auto out = iopCli({"manifest", "diff", "-f", file, "-n", ns});
  INFO(out.out);
  CHECK(out.exitCode == 1);
  CHECK(out.out.find("Namespace " + ns + "\n+ new object\n") != std::string::npos);
  CHECK(out.out.find("Deployment " + ns + "/igw  [IngressGateways]\n+ new object\n") != std::string::npos);
  CHECK(kubectl({"get", "namespace", ns}).exitCode != 0);
  std::remove(file.c_str());
}
