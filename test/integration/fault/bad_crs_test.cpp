// The bad-CR corpus (test/data/bad-crs) against a running `iop run`: what kubectl or the CRD
// schema can judge is refused at apply with its message; everything else is accepted by the
// API server and then marked ERROR by iop with its field path, nothing is created for it, and
// the same operator still installs a good CR afterwards.
#include "test/support/bad_crs.h"

#include "test/integration/fault/fault_test_support.h"

using namespace iop::fault::testing;

namespace {

std::string reconciledMessage(const json& cr) {
  for (const auto& c : cr.value("status", json::object()).value("conditions", json::array()))
    if (c.value("type", "") == "Reconciled") return c.value("message", "");
  return "";
}

}  // namespace

TEST_CASE(
    "each bad CR is refused by the schema or marked ERROR with its field path, and nothing else changes",
    "[fault][bad-crs]") {
  auto admin = adminClient();
  TestNamespace ns(*admin, "fault-bad");
  const std::string rev = iop::test::uniqueName("bad");
  ensureCRD();
  iop::test::OperatorProcess op(operatorLaunch(iop::test::kubeconfigPath(), rev, ns.name()),
                                "fault-bad-" + rev);
  REQUIRE(op.waitReady());

  auto corpus = iop::test::loadBadCRs(std::string(IOP_SOURCE_DIR) + "/test/data/bad-crs");
  REQUIRE(corpus.size() >= 40);
  std::vector<const iop::test::BadCR*> accepted;
  for (const auto& cr : corpus) {
    auto applied = iop::test::kubectl({"apply", "-n", ns.name(), "-f", "-"},
                                      iop::test::instantiate(cr.text, rev, ns.name()));
    INFO(cr.file << ": kubectl apply said: " << applied.out);
    if (cr.applyMessage.empty()) {
      CHECK(applied.exitCode == 0);
      if (applied.exitCode == 0) accepted.push_back(&cr);
    } else {
      CHECK(applied.exitCode != 0);
      CHECK(applied.out.find(cr.applyMessage) != std::string::npos);
    }
  }
  REQUIRE(accepted.size() >= 20);

  for (const auto* cr : accepted) {
    json got;
    bool marked = eventually(
        [&] {
          got = getCR(*admin, ns.name(), cr->name);
          return got.is_object() && got.value("status", json::object()).value("status", "") == "ERROR";
        },
        30s);
    INFO(cr->file << " (CR " << cr->name << "): " << got.value("status", json()).dump());
    CHECK(marked);
    for (const auto& expected : cr->clusterMessages.empty() ? cr->iopMessages : cr->clusterMessages)
      CHECK(reconciledMessage(got).find(expected) != std::string::npos);
  }
  // Nothing in the whole cluster is owned by a CR of this namespace.
  CHECK(ownedObjects(*admin, ns.name()).empty());

  // The operator did not crash or wedge on any of them: a good CR still becomes HEALTHY, and
  // the objects it owns are exactly the ones it renders to.
  json good = gatewayCR(ns.name(), "good", rev, {{"gw-good", true}});
  applyCR(*admin, good);
  INFO("operator log: " << op.logPath());
  REQUIRE(eventually([&] { return crStatus(*admin, ns.name(), "good") == "HEALTHY"; }, 60s));
  std::set<std::string> owned;
  for (const auto& [key, o] : ownedObjects(*admin, ns.name())) {
    CHECK(o.owner == "good");
    owned.insert(key);
  }
  CHECK(owned == desiredObjects(good));
  CHECK(op.running());
}
