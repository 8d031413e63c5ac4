// `iop tag`: revision tags as the pinned istioctl makes them. Each verb's objects are compared
// with what `istioctl tag generate` prints for the same arguments against the same cluster.
#include <catch2/catch.hpp>
#include <fstream>
#include <nlohmann/json.hpp>

#include "base/yaml_json.h"
#include "test/integration/reconcilers/operator_test_support.h"  // ensureCRD()
#include "test/support/cluster.h"
#include "test/support/eventually.h"
#include "test/support/iop_cli.h"

using iop::test::iopCli;
using iop::test::kubectl;
using iop::test::kubectlJsonpath;
using iop::test::run;
using iop::test::uniqueName;
using json = nlohmann::json;

namespace {

// The pinned istioctl (built once, cached; the ctest fixture "istio: build istioctl").
std::string istioctl() {
  auto built = run({std::string(IOP_SOURCE_DIR) + "/scripts/build-istio-binary.sh", "istioctl"}, "", false);
  REQUIRE(built.exitCode == 0);
  return built.out.substr(0, built.out.find('\n'));
}

std::vector<json> documents(const std::string& yaml) {
  auto docs = iop::base::yamlDocumentsToJson(yaml);
  std::erase_if(docs, [](const json& d) { return d.is_null(); });
  return docs;
}

// What the comparison leaves aside. iop's ownership: the labels in the operator.istio.io domain
// (istioctl's user-managed tags strip them; iop's name their owner) and iop's desired-state hash.
// Go's typed serialization: a null creationTimestamp, a Service's empty status and the zero
// targetPort of ports that have none (the API server defaults both the same way).
json comparable(json o) {
  json& meta = o["metadata"];
  meta.erase("creationTimestamp");
  if (meta.contains("labels")) {
    json labels = json::object();
    for (const auto& [k, v] : meta["labels"].items())
      if (k.find("operator.istio.io") == std::string::npos) labels[k] = v;
    meta["labels"] = labels;
  }
  if (meta.contains("annotations")) {
    meta["annotations"].erase("iop/desired-hash");
    if (meta["annotations"].empty()) meta.erase("annotations");
  }
  if (o.value("kind", "") == "Service") {
    if (o.contains("status") && o["status"] == json{{"loadBalancer", json::object()}}) o.erase("status");
    for (auto& p : o["spec"]["ports"])
      if (p.contains("targetPort") && p["targetPort"] == 0) p.erase("targetPort");
  }
  return o;
}

// Installs a control plane of `revision` (no Base: the shared cluster's other tests have theirs)
// into `ns`, with its istiod Services and injector webhook, as a tag needs.
void installControlPlane(const std::string& ns, const std::string& revision) {
  const std::string file = "/tmp/" + ns + "-" + revision + ".yaml";
  std::ofstream(file) << "apiVersion: install.istio.io/v1alpha1\nkind: IstioOperator\nmetadata:\n  name: cp\n"
                         "spec:\n  profile: minimal\n  values:\n    global:\n      istioNamespace: "
                      << ns << "\n  components:\n    base:\n      enabled: false\n";
  auto installed = iopCli({"install", "-f", file, "-n", ns, "--revision", revision, "-y"});
  INFO(installed.out);
  REQUIRE(installed.exitCode == 0);
  std::remove(file.c_str());
}

// Both tools' `tag generate` with `args`; the documents must be the same, field for field.
void checkSameAsIstioctl(const std::vector<std::string>& args) {
  std::vector<std::string> iopArgs = {IOP_BINARY, "tag", "generate"};
  iopArgs.insert(iopArgs.end(), args.begin(), args.end());
  iopArgs.push_back("--kubeconfig=" + iop::test::kubeconfigPath());
  std::vector<std::string> istioctlArgs = {istioctl(), "tag", "generate"};
  istioctlArgs.insert(istioctlArgs.end(), args.begin(), args.end());
  istioctlArgs.push_back("--kubeconfig=" + iop::test::kubeconfigPath());
  auto ours = run(iopArgs, "", false);
  auto theirs = run(istioctlArgs, "", false);
  INFO("iop:\n" << ours.out << "\nistioctl:\n" << theirs.out);
  REQUIRE(ours.exitCode == 0);
  REQUIRE(theirs.exitCode == 0);
  auto a = documents(ours.out), b = documents(theirs.out);
  REQUIRE(a.size() == b.size());
  for (std::size_t i = 0; i < a.size(); ++i) {
    INFO(a[i]["kind"] << " " << a[i]["metadata"]["name"]);
    CHECK(comparable(a[i]).dump(1) == comparable(b[i]).dump(1));
  }
  // iop's own: every object names its owner, so prune and uninstall know it.
  for (const auto& o : a) {
    CHECK(o["metadata"]["labels"].value("operator.istio.io/managed", "") == "Reconcile");
    CHECK(o["metadata"]["labels"]
              .value("install.operator.istio.io/owning-resource", "")
              .starts_with("revision-tag-"));
  }
}

// Whether every field of `desired` has its value in `live` (lists element by element).
bool contains(const json& live, const json& desired) {
  if (desired.is_object()) {
    if (!live.is_object()) return false;
    for (const auto& [k, v] : desired.items())
      if (!live.contains(k) || !contains(live[k], v)) return false;
    return true;
  }
  if (desired.is_array()) {
    if (!live.is_array() || live.size() != desired.size()) return false;
    for (std::size_t i = 0; i < desired.size(); ++i)
      if (!contains(live[i], desired[i])) return false;
    return true;
  }
  return live == desired;
}

}  // namespace

TEST_CASE("iop tag generate prints what istioctl tag generate prints, ownership labels aside",
          "[tag][istioctl]") {
  const auto ns = uniqueName("iop-tagcmp");
  const auto rev = uniqueName("tc");
  REQUIRE(kubectl({"create", "namespace", ns}).exitCode == 0);
  installControlPlane(ns, rev);

  SECTION("a tag") {
    checkSameAsIstioctl({uniqueName("prod"), "--revision", rev, "-i", ns});
  }
  SECTION("a tag with its own webhook name, injecting every namespace") {
    checkSameAsIstioctl({uniqueName("prod"), "--revision", rev, "-i", ns, "--webhook-name", uniqueName("wh"),
                         "--auto-inject-namespaces"});
  }
  SECTION("the tag default, with the default validator") {
    checkSameAsIstioctl({"default", "--revision", rev, "-i", ns});
  }
  iopCli({"uninstall", "--revision", rev, "-y", "--force"});
  kubectl({"delete", "namespace", ns, "--wait=false"});
}

TEST_CASE("iop tag set writes what tag generate prints and moves a tag in place only with --overwrite",
          "[tag]") {
  const auto ns = uniqueName("iop-tagset");
  const auto apps = uniqueName("apps");
  const auto rev1 = uniqueName("ta"), rev2 = uniqueName("tb");
  const auto tag = uniqueName("stable");
  const std::string webhook = "istio-revision-tag-" + tag + "-" + ns;
  REQUIRE(kubectl({"create", "namespace", ns}).exitCode == 0);
  REQUIRE(kubectl({"create", "namespace", apps}).exitCode == 0);
  installControlPlane(ns, rev1);
  installControlPlane(ns, rev2);

  auto generated = run({IOP_BINARY, "tag", "generate", tag, "--revision", rev1, "-i", ns,
                        "--kubeconfig=" + iop::test::kubeconfigPath()},
                       "", false);
  REQUIRE(generated.exitCode == 0);
  auto set = iopCli({"tag", "set", tag, "--revision", rev1, "-i", ns});
  INFO(set.out);
  REQUIRE(set.exitCode == 0);
  CHECK_THAT(set.out, Catch::Contains("Revision tag \"" + tag +
                                      "\" created, referencing control plane revision \"" + rev1 + "\""));
  for (const auto& o : documents(generated.out)) {
    const std::string kind = o["kind"], name = o["metadata"]["name"];
    auto live = kubectl({"get", kind, name, "-n", ns, "-o", "json"});
    REQUIRE(live.exitCode == 0);
    INFO(kind << " " << name << " live:\n" << live.out);
    CHECK(contains(json::parse(live.out), comparable(o)));
  }
  const std::string uid =
      kubectlJsonpath({"get", "mutatingwebhookconfiguration", webhook}, "{.metadata.uid}");
  REQUIRE(!uid.empty());

  SECTION("set again without --overwrite is refused, as istioctl refuses it") {
    auto again = iopCli({"tag", "set", tag, "--revision", rev2, "-i", ns});
    CHECK(again.exitCode == 1);
    CHECK_THAT(again.out,
               Catch::Contains("revision tag \"" + tag + "\" already exists, and --overwrite is false"));
    CHECK(kubectlJsonpath({"get", "mutatingwebhookconfiguration", webhook},
                          "{.metadata.labels.istio\\.io/rev}") == rev1);
  }
  SECTION("--overwrite moves the tag to the other revision: the same webhook, now calling its istiod") {
    auto moved = iopCli({"tag", "set", tag, "--revision", rev2, "-i", ns, "--overwrite"});
    INFO(moved.out);
    CHECK(moved.exitCode == 0);
    CHECK(kubectlJsonpath({"get", "mutatingwebhookconfiguration", webhook}, "{.metadata.uid}") == uid);
    CHECK(kubectlJsonpath({"get", "mutatingwebhookconfiguration", webhook},
                          "{.webhooks[0].clientConfig.service.name}") == "istiod-" + rev2);
    CHECK(kubectlJsonpath({"-n", ns, "get", "service", "istiod-revision-tag-" + tag},
                          "{.spec.selector.istio\\.io/rev}") == rev2);
  }
  SECTION("a tag named like a revision is refused") {
    auto named = iopCli({"tag", "set", rev2, "--revision", rev1, "-i", ns});
    CHECK(named.exitCode == 1);
    CHECK_THAT(named.out, Catch::Contains("found existing control plane revision with same name"));
  }
  SECTION("list shows the tag, its revision and the namespaces that use it; remove asks while they do") {
    REQUIRE(kubectl({"label", "namespace", apps, "istio.io/rev=" + tag}).exitCode == 0);
    auto listed = iopCli({"tag", "list", "-i", ns, "-o", "json"});
    INFO(listed.out);
    REQUIRE(listed.exitCode == 0);
    bool found = false;
    for (const auto& row : json::parse(listed.out))
      if (row["tag"] == tag) {
        found = true;
        CHECK(row["revision"] == rev1);
        CHECK(row["namespaces"] == json::array({apps}));
      }
    CHECK(found);

    auto refused = iopCli({"tag", "remove", tag, "-i", ns});  // no terminal: no answer
    CHECK(refused.exitCode == 1);
    CHECK_THAT(refused.out,
               Catch::Contains("found 1 namespace(s) still injected by tag \"" + tag + "\": " + apps));
    CHECK(kubectlJsonpath({"get", "mutatingwebhookconfiguration", webhook}, "{.metadata.uid}") == uid);

    auto removed = iopCli({"tag", "remove", tag, "-i", ns, "-y"});
    INFO(removed.out);
    CHECK(removed.exitCode == 0);
    CHECK(kubectl({"get", "mutatingwebhookconfiguration", webhook}).exitCode != 0);
    CHECK(kubectl({"-n", ns, "get", "service", "istiod-revision-tag-" + tag}).exitCode != 0);
    CHECK(iopCli({"tag", "remove", tag, "-i", ns, "-y"}).exitCode == 1);  // nothing left to remove
  }
  // The tag's objects carry istio.io/rev of their revision: uninstalling it takes them too.
  for (const auto& rev : {rev1, rev2}) iopCli({"uninstall", "--revision", rev, "-y", "--force"});
  CHECK(kubectl({"get", "mutatingwebhookconfiguration", webhook}).exitCode != 0);
  kubectl({"delete", "namespace", ns, apps, "--wait=false"});
}

TEST_CASE("iop tag set and remove leave a tag an IstioOperator declares to that IstioOperator", "[tag]") {
  iop::reconcilers::testing::ensureCRD();
  const auto ns = uniqueName("iop-tagcr");
  const auto rev = uniqueName("td");
  const auto tag = uniqueName("declared");
  const std::string webhook = "istio-revision-tag-" + tag + "-" + ns;
  REQUIRE(kubectl({"create", "namespace", ns}).exitCode == 0);
  // The CR exists in the cluster (as GitOps keeps it) and owns what was installed from it.
  const std::string file = "/tmp/" + ns + ".yaml";
  std::ofstream(file)
      << "apiVersion: install.istio.io/v1alpha1\nkind: IstioOperator\nmetadata:\n  name: cp\n  "
         "namespace: "
      << ns << "\nspec:\n  profile: minimal\n  revision: " << rev << "\n  values:\n    revisionTags: [" << tag
      << "]\n    global:\n      istioNamespace: " << ns
      << "\n  components:\n    base:\n      enabled: false\n";
  REQUIRE(kubectl({"apply", "-f", file}).exitCode == 0);
  auto installed = iopCli({"install", "-f", file, "-y"});
  INFO(installed.out);
  REQUIRE(installed.exitCode == 0);
  const std::string uid =
      kubectlJsonpath({"get", "mutatingwebhookconfiguration", webhook}, "{.metadata.uid}");
  REQUIRE(!uid.empty());

  auto set = iopCli({"tag", "set", tag, "--revision", rev, "-i", ns, "--overwrite", "-y"});
  CHECK(set.exitCode == 1);
  CHECK_THAT(set.out,
             Catch::Contains("belongs to IstioOperator " + ns + "/cp, which declares tag \"" + tag + "\""));
  auto removed = iopCli({"tag", "remove", tag, "-i", ns, "-y"});
  CHECK(removed.exitCode == 1);
  CHECK_THAT(removed.out, Catch::Contains("tag \"" + tag + "\" is declared by IstioOperator " + ns + "/cp"));
  CHECK(kubectlJsonpath({"get", "mutatingwebhookconfiguration", webhook}, "{.metadata.uid}") == uid);
  CHECK(kubectlJsonpath({"get", "mutatingwebhookconfiguration", webhook},
                        "{.metadata.labels.install\\.operator\\.istio\\.io/owning-resource}") == "cp");

  iopCli({"uninstall", "--revision", rev, "-y", "--force"});
  kubectl({"delete", "-f", file, "--wait=false"});
  kubectl({"delete", "namespace", ns, "--wait=false"});
  std::remove(file.c_str());
}

TEST_CASE("a tag istioctl made is moved by iop tag set --overwrite, which takes it over, and refused without",
          "[tag][istioctl]") {
  const auto ns = uniqueName("iop-tagctl");
  const auto rev1 = uniqueName("te"), rev2 = uniqueName("tf");
  const auto tag = uniqueName("canary");
  const std::string webhook = "istio-revision-tag-" + tag + "-" + ns;
  REQUIRE(kubectl({"create", "namespace", ns}).exitCode == 0);
  installControlPlane(ns, rev1);
  installControlPlane(ns, rev2);
  // istioctl's tags are user-managed: it strips the operator.istio.io labels, so no IstioOperator
  // owns them and iop's applier would leave them alone (hardening: no silent take-over).
  auto made = run({istioctl(), "tag", "set", tag, "--revision", rev1, "-i", ns, "--kubeconfig",
                   iop::test::kubeconfigPath()},
                  "", false);
  INFO(made.out);
  REQUIRE(made.exitCode == 0);
  const std::string uid =
      kubectlJsonpath({"get", "mutatingwebhookconfiguration", webhook}, "{.metadata.uid}");
  REQUIRE(!uid.empty());

  auto refused = iopCli({"tag", "set", tag, "--revision", rev2, "-i", ns});
  CHECK(refused.exitCode == 1);
  CHECK_THAT(refused.out, Catch::Contains("already exists, and --overwrite is false"));

  // --overwrite says to replace it, as istioctl's does: the same webhook, now iop's, calling rev2.
  auto moved = iopCli({"tag", "set", tag, "--revision", rev2, "-i", ns, "--overwrite", "-y"});
  INFO(moved.out);
  CHECK(moved.exitCode == 0);
  CHECK(kubectlJsonpath({"get", "mutatingwebhookconfiguration", webhook}, "{.metadata.uid}") == uid);
  CHECK(kubectlJsonpath({"get", "mutatingwebhookconfiguration", webhook},
                        "{.webhooks[0].clientConfig.service.name}") == "istiod-" + rev2);
  CHECK(kubectlJsonpath({"get", "mutatingwebhookconfiguration", webhook},
                        "{.metadata.labels.operator\\.istio\\.io/managed}") == "Reconcile");

  for (const auto& rev : {rev1, rev2}) iopCli({"uninstall", "--revision", rev, "-y", "--force"});
  CHECK(kubectl({"get", "mutatingwebhookconfiguration", webhook}).exitCode != 0);
  kubectl({"delete", "namespace", ns, "--wait=false"});
}
