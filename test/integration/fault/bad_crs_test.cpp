// The bad-CR corpus (test/data/bad-crs) against a running `iop run`: what kubectl or the CRD
// schema can judge is refused at apply with its message; everything else is accepted by the
// API server and then marked ERROR by iop with its field path, nothing is created for it, and
// the same operator still installs a good CR afterwards. The operator never restarts, a good CR
// applied before the corpus stays untouched, objects no IstioOperator installed (which some
// corpus CRs try to take over) are unchanged, and nothing outside what valid CRs render is
// created, changed or deleted.
#include "test/support/bad_crs.h"

#include <csignal>

#include "test/integration/fault/fault_test_support.h"

using namespace iop::fault::testing;
namespace kube = iop::kube;
namespace reconcilers = iop::reconcilers;

namespace {

std::string reconciledMessage(const json& cr) {
  for (const auto& c : cr.value("status", json::object()).value("conditions", json::array()))
    if (c.value("type", "") == "Reconciled") return c.value("message", "");
  return "";
}

}  // namespace

namespace {

// What identifies each object of the kinds iop writes in `namespaces`, and what anyone wrote in
// it (uid, labels, annotations, spec and data; not status, which controllers keep updating), by
// describeObject: what must not change under the corpus. EndpointSlices are the endpointslice
// controller's, following pods.
std::map<std::string, std::string> snapshot(kube::Client& client,
                                            const std::vector<std::string>& namespaces) {
  std::map<std::string, std::string> out;
  for (const auto& kind : reconcilers::ownedKinds()) {
    if (!kind.namespaced || kind.gvk.kind == "EndpointSlice") continue;
    for (const auto& ns : namespaces) {
      auto list = client.list(kind.gvk, ns, {});
      REQUIRE(list.ok());
      for (auto item : (*list)["items"]) {
        item["kind"] = kind.gvk.kind;
        const json& meta = item["metadata"];
        json written = {{"uid", meta.value("uid", "")},
                        {"labels", meta.value("labels", json::object())},
                        {"annotations", meta.value("annotations", json::object())}};
        for (const char* field : {"spec", "data", "rules", "roleRef", "subjects"})
          if (item.contains(field)) written[field] = item[field];
        out[reconcilers::describeObject(item)] = written.dump();
      }
    }
  }
  return out;
}

}  // namespace

TEST_CASE(
    "each bad CR is refused by the schema or marked ERROR with its field path, and nothing else changes",
    "[fault][bad-crs]") {
  auto admin = adminClient();
  TestNamespace ns(*admin, "fault-bad");
  const std::string rev = iop::test::uniqueName("bad");
  ensureCRD();
  // Objects no IstioOperator installed, named like gateways of the tenancy CRs.
  REQUIRE(admin
              ->create(kService, ns.name(),
                       {{"apiVersion", "v1"},
                        {"kind", "Service"},
                        {"metadata", {{"name", "foreign-svc"}, {"namespace", ns.name()}}},
                        {"spec",
                         {{"selector", {{"app", "mine"}}}, {"ports", {{{"name", "http"}, {"port", 80}}}}}}})
              .ok());
  REQUIRE(admin
              ->create(kDeployment, ns.name(),
                       {{"apiVersion", "apps/v1"},
                        {"kind", "Deployment"},
                        {"metadata", {{"name", "foreign-deploy"}, {"namespace", ns.name()}}},
                        {"spec",
                         {{"replicas", 1},
                          {"selector", {{"matchLabels", {{"app", "mine"}}}}},
                          {"template",
                           {{"metadata", {{"labels", {{"app", "mine"}}}}},
                            {"spec", {{"containers", {{{"name", "c"}, {"image", "mine:1"}}}}}}}}}}})
              .ok());
  iop::test::OperatorProcess op(operatorLaunch(iop::test::kubeconfigPath(), rev, ns.name()),
                                "fault-bad-" + rev);
  REQUIRE(op.waitReady());
  const pid_t pid = op.pid();

  // A good CR before the corpus: it must stay exactly as it is.
  json before = gatewayCR(ns.name(), "good-before", rev, {{"gw-before", true}});
  applyCR(*admin, before);
  REQUIRE(eventually([&] { return crStatus(*admin, ns.name(), "good-before") == "HEALTHY"; }, 60s));
  const std::vector<std::string> watched = {ns.name(), "kube-system", "default"};
  const auto untouched = snapshot(*admin, watched);

  auto corpus = iop::test::loadBadCRs(std::string(IOP_SOURCE_DIR) + "/test/data/bad-crs");
  REQUIRE(corpus.size() >= 100);
  std::vector<const iop::test::BadCR*> accepted;
  std::set<std::string> allowed = desiredObjects(before);
  for (const auto& cr : corpus) {
    const std::string text = iop::test::instantiate(cr.text, rev, ns.name());
    auto applied = iop::test::kubectl({"apply", "-n", ns.name(), "-f", "-"}, text);
    INFO(cr.file << ": kubectl apply said: " << applied.out.substr(0, 1000));
    if (cr.applyMessage.empty()) {
      CHECK(applied.exitCode == 0);
      if (applied.exitCode == 0) accepted.push_back(&cr);
    } else {
      CHECK(applied.exitCode != 0);
      CHECK(applied.out.find(cr.applyMessage) != std::string::npos);
    }
    if (cr.renders()) {
      // A valid CR: what it renders may be applied (but for what someone else holds).
      auto parsed = reconcilers::parseIstioOperator(text);
      REQUIRE(parsed.ok());
      auto rendered = reconcilers::render(*parsed.iop, {.iopVersion = "test"});
      for (const auto& o : rendered.objects) allowed.insert(reconcilers::describeObject(o.object));
    }
  }
  REQUIRE(accepted.size() >= 60);

  for (const auto* cr : accepted) {
    json got;
    bool marked = eventually(
        [&] {
          got = getCR(*admin, ns.name(), cr->name);
          return got.is_object() && got.value("status", json::object()).value("status", "") == "ERROR";
        },
        30s);
    INFO(cr->file << " (CR " << cr->name << "): " << got.value("status", json()).dump().substr(0, 2000));
    CHECK(marked);
    for (const auto& expected : cr->clusterMessages.empty() ? cr->iopMessages : cr->clusterMessages)
      CHECK(reconciledMessage(got).find(expected) != std::string::npos);
  }
  // Nothing in the whole cluster is owned by a CR of this namespace but what valid CRs render.
  for (const auto& [key, o] : ownedObjects(*admin, ns.name())) {
    INFO(key << " owned by " << o.owner);
    CHECK(allowed.count(key) == 1);
  }
  // Nothing else in the namespaces the corpus aims at changed: not the good CR's objects, not
  // the foreign ones, nothing in kube-system or default.
  auto now = snapshot(*admin, watched);
  for (const auto& [key, version] : untouched) {
    INFO(key);
    CHECK(now.count(key) == 1);
    if (now.count(key)) CHECK(now[key] == version);
  }
  for (const auto& [key, version] : now) {
    INFO("new: " << key);
    CHECK((untouched.count(key) == 1 || allowed.count(key) == 1));
  }
  CHECK(crStatus(*admin, ns.name(), "good-before") == "HEALTHY");

  // The operator did not crash or wedge on any of them: a good CR still becomes HEALTHY, and
  // the objects it owns are exactly the ones it renders to.
  json good = gatewayCR(ns.name(), "good", rev, {{"gw-good", true}});
  applyCR(*admin, good);
  INFO("operator log: " << op.logPath());
  REQUIRE(eventually([&] { return crStatus(*admin, ns.name(), "good") == "HEALTHY"; }, 60s));
  std::set<std::string> owned;
  for (const auto& [key, o] : ownedObjects(*admin, ns.name()))
    if (o.owner == "good") owned.insert(key);
  CHECK(owned == desiredObjects(good));
  // Zero restarts: the same process ran throughout and stops cleanly within its grace.
  CHECK(op.running());
  CHECK(op.pid() == pid);
  CHECK(op.log().find("operator stopped") == std::string::npos);
  op.signal(SIGTERM);
  CHECK(op.wait(15s) == 0);
}
