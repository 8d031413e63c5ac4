// `iop operator init` / `iop operator remove` as a user runs them, against the real cluster.
#include <catch2/catch.hpp>
#include <filesystem>
#include <fstream>
#include <nlohmann/json.hpp>
#include <sstream>

#include "base/yaml_json.h"
#include "test/support/cluster.h"
#include "test/support/iop_cli.h"

using iop::test::iopCli;
using iop::test::kubectl;
using iop::test::run;
using iop::test::uniqueName;
using json = nlohmann::json;

namespace {

json getJson(const std::vector<std::string>& args) {
  std::vector<std::string> a = args;
  a.push_back("-o");
  a.push_back("json");
  a.push_back("--show-managed-fields");  // kubectl hides them by default; initStamp reads them
  auto r = kubectl(a);
  INFO(r.out);
  REQUIRE(r.exitCode == 0);
  return json::parse(r.out);
}

// What a write by `operator init` changes: the generation (spec) and its field manager's entry
// in managedFields (time and fields). Controllers' status updates move resourceVersion, not this.
json initStamp(const json& o) {
  json stamp = {{"generation", o["metadata"].value("generation", 0)}};
  for (const auto& m : o["metadata"].value("managedFields", json::array()))
    if (m.value("manager", "") == "iop-operator-init") stamp["managed"].push_back(m);
  return stamp;
}

}  // namespace

TEST_CASE("operator init installs one operator per revision and a second revision leaves the first alone",
          "[operator]") {
  // Each test case uses its own operator namespace and revisions, so cases can run in parallel.
  auto ns = uniqueName("iop-op");
  auto r1 = uniqueName("r1"), r2 = uniqueName("r2");
  auto first =
      iopCli({"operator", "init", "--revision", r1, "--operatorNamespace", ns, "--watchedNamespaces", ns});
  INFO(first.out);
  REQUIRE(first.exitCode == 0);
  auto dep1 = getJson({"-n", ns, "get", "deployment", "istio-operator-" + r1});
  auto cr1 = getJson({"get", "clusterrole", "istio-operator-" + r1});

  auto second =
      iopCli({"operator", "init", "--revision", r2, "--operatorNamespace", ns, "--watchedNamespaces", ns});
  INFO(second.out);
  REQUIRE(second.exitCode == 0);
  auto dep1After = getJson({"-n", ns, "get", "deployment", "istio-operator-" + r1});
  CHECK(initStamp(dep1After) == initStamp(dep1));
  CHECK(getJson({"get", "clusterrole", "istio-operator-" + r1})["metadata"]["resourceVersion"] ==
        cr1["metadata"]["resourceVersion"]);

  auto dep2 = getJson({"-n", ns, "get", "deployment", "istio-operator-" + r2});
  // Selectors differ per revision, so neither Deployment adopts the other's pods.
  CHECK(dep1["spec"]["selector"] != dep2["spec"]["selector"]);
  auto env = dep2["spec"]["template"]["spec"]["containers"][0]["env"];
  CHECK(env[0] == json{{"name", "REVISION"}, {"value", r2}});
  CHECK(env[1] == json{{"name", "WATCH_NAMESPACE"}, {"value", ns}});
  CHECK(dep2["spec"]["template"]["spec"]["serviceAccountName"] == "istio-operator-" + r2);

  // Re-running init with nothing changed writes nothing.
  auto again =
      iopCli({"operator", "init", "--revision", r2, "--operatorNamespace", ns, "--watchedNamespaces", ns});
  REQUIRE(again.exitCode == 0);
  CHECK(initStamp(getJson({"-n", ns, "get", "deployment", "istio-operator-" + r2})) == initStamp(dep2));

  // remove takes exactly one revision's operator away, and keeps the CRD.
  auto removed = iopCli({"operator", "remove", "--revision", r1, "-y"});
  INFO(removed.out);
  REQUIRE(removed.exitCode == 0);
  CHECK(kubectl({"-n", ns, "get", "deployment", "istio-operator-" + r1}).exitCode != 0);
  CHECK(kubectl({"get", "clusterrole", "istio-operator-" + r1}).exitCode != 0);
  CHECK(kubectl({"-n", ns, "get", "serviceaccount", "istio-operator-" + r1}).exitCode != 0);
  CHECK(kubectl({"-n", ns, "get", "deployment", "istio-operator-" + r2}).exitCode == 0);
  CHECK(kubectl({"get", "crd", "istiooperators.install.istio.io"}).exitCode == 0);

  REQUIRE(iopCli({"operator", "remove", "--revision", r2, "-y"}).exitCode == 0);
  kubectl({"delete", "namespace", ns, "--wait=false"});
}

TEST_CASE("the operator's ClusterRole grants no wildcard and no Secrets", "[operator]") {
  auto out = run({IOP_BINARY, "operator", "init", "--revision", "lp", "--dry-run"});
  REQUIRE(out.exitCode == 0);
  int clusterRoles = 0;
  for (const auto& o : iop::base::yamlDocumentsToJson(out.out)) {
    if (!o.is_object() || o.value("kind", "") != "ClusterRole") continue;
    ++clusterRoles;
    REQUIRE(o["rules"].size() > 5);
    for (const auto& rule : o["rules"]) {
      INFO(rule.dump());
      for (const char* field : {"apiGroups", "resources", "verbs"})
        for (const auto& v : rule[field]) CHECK(v != "*");
      for (const auto& res : rule["resources"]) CHECK(res != "secrets");
    }
  }
  CHECK(clusterRoles == 1);
}

TEST_CASE("operator init refuses a revision with dots and names the flag", "[operator]") {
  auto out = run({IOP_BINARY, "operator", "init", "--revision", "1.8.0", "--dry-run"});
  CHECK(out.exitCode == 2);
  CHECK(out.out.find("--revision") != std::string::npos);
  CHECK(out.out.find("1.8.0") != std::string::npos);
}

TEST_CASE("operator remove without a revision or --purge asks for one and changes nothing", "[operator]") {
  auto out = iopCli({"operator", "remove"});
  CHECK(out.exitCode == 2);
  CHECK(out.out.find("--revision") != std::string::npos);
}

TEST_CASE(
    "deploy/ holds exactly what operator init installs for the default revision, and the API server "
    "accepts it",
    "[operator]") {
  auto init = run({IOP_BINARY, "operator", "init", "--dry-run"});
  REQUIRE(init.exitCode == 0);
  std::ifstream in(IOP_SOURCE_DIR "/deploy/iop-operator.yaml");
  std::stringstream file;
  file << in.rdbuf();
  INFO("regenerate with: make manifests");
  CHECK(file.str() == init.out);
  // A server-side dry run does not create the namespaces it lists, so its namespaced objects
  // are judged in namespaces that exist: create them (an AlreadyExists is fine).
  kubectl({"create", "namespace", "istio-operator"});
  kubectl({"create", "namespace", "istio-system"});
  auto dry = kubectl(
      {"apply", "--server-side", "--dry-run=server", "-f", IOP_SOURCE_DIR "/deploy/iop-operator.yaml"});
  INFO(dry.out);
  CHECK(dry.exitCode == 0);
}

TEST_CASE("crds/ holds the CRD the build generated from Istio's API types (helm/iop/crds links to it)",
          "[operator][crd]") {
  const std::string generated =
      std::filesystem::path(IOP_BINARY).parent_path().string() + "/generated/crds/istiooperator.yaml";
  std::ifstream built(generated), committed(IOP_SOURCE_DIR "/crds/istiooperator.yaml"),
      chart(IOP_SOURCE_DIR "/helm/iop/crds/istiooperator.yaml");
  REQUIRE(built.good());
  std::stringstream a, b, c;
  a << built.rdbuf();
  b << committed.rdbuf();
  c << chart.rdbuf();
  INFO("regenerate with: make manifests");
  CHECK(b.str() == a.str());
  CHECK(c.str() == a.str());
  CHECK_THAT(a.str(), Catch::Contains("Generated by tools/crdgen"));
}

TEST_CASE("operator init -f validates the CR like the operator does and gives it the operator's revision",
          "[operator]") {
  auto dir = iop::test::clusterDir();
  std::ofstream(dir + "/typo.yaml") << "apiVersion: install.istio.io/v1alpha1\nkind: IstioOperator\n"
                                       "metadata: {name: gw}\nspec:\n  profile: empty\n"
                                       "  components:\n    ingressGateway: []\n";
  auto bad =
      run({IOP_BINARY, "operator", "init", "--revision", "1-8-0", "-f", dir + "/typo.yaml", "--dry-run"});
  CHECK(bad.exitCode == 2);
  CHECK(bad.out.find(
            "typo.yaml: spec.components.ingressGateway: unknown field; did you mean ingressGateways?") !=
        std::string::npos);

  std::ofstream(dir + "/cp.yaml") << "apiVersion: install.istio.io/v1alpha1\nkind: IstioOperator\n"
                                     "metadata: {name: cp}\nspec:\n  profile: minimal\n";
  auto good =
      run({IOP_BINARY, "operator", "init", "--revision", "1-8-0", "-f", dir + "/cp.yaml", "--dry-run"}, "",
          /*withStderr=*/false);
  REQUIRE(good.exitCode == 0);
  auto docs = iop::base::yamlDocumentsToJson(good.out);
  REQUIRE(docs.back()["kind"] == "IstioOperator");
  CHECK(docs.back()["spec"]["revision"] == "1-8-0");
  CHECK(docs.back()["metadata"]["namespace"] == "istio-system");

  std::ofstream(dir + "/other.yaml") << "apiVersion: install.istio.io/v1alpha1\nkind: IstioOperator\n"
                                        "metadata: {name: cp}\nspec:\n  revision: 1-8-1\n";
  auto mismatch =
      run({IOP_BINARY, "operator", "init", "--revision", "1-8-0", "-f", dir + "/other.yaml", "--dry-run"});
  CHECK(mismatch.exitCode == 2);
  CHECK(mismatch.out.find("has spec.revision \"1-8-1\" but the operator is for revision \"1-8-0\"") !=
        std::string::npos);
}
