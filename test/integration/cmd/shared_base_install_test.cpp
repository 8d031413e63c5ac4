// `iop install` of one control-plane file at two revisions, then `iop uninstall --revision` of
// either: the Base objects both revisions render the same (the reader ServiceAccount) stay, the
// same object, while one of them still wants it. CRDs are off: they are cluster-wide, shared
// with the other tests, and never deleted anyway.
#include <catch2/catch.hpp>
#include <cstdio>
#include <fstream>
#include <regex>
#include <nlohmann/json.hpp>

#include "reconcilers/apply/ownership.h"
#include "test/support/cluster.h"
#include "test/support/iop_cli.h"

using iop::test::iopCli;
using iop::test::kubectl;
using iop::test::uniqueName;
using json = nlohmann::json;

namespace {

// The object as kubectl sees it; null when it does not exist.
json get(const std::string& ns, const std::string& what) {
  auto r = kubectl({"get", "-n", ns, what, "-o", "json", "--ignore-not-found"});
  REQUIRE(r.exitCode == 0);
  return r.out.find('{') == std::string::npos ? json() : json::parse(r.out.substr(r.out.find('{')));
}

std::string labelOf(const json& o, const std::string& key) {
  return o["metadata"].value("labels", json::object()).value(key, "");
}

std::string coOwners(const json& o) {
  return o["metadata"].value("annotations", json::object()).value(iop::reconcilers::kCoOwnersAnnotation, "");
}

void requireOk(const iop::test::ProcessResult& r) {
  INFO(r.out);
  REQUIRE(r.exitCode == 0);
}

}  // namespace

TEST_CASE(
    "install of one file at two revisions shares the reader ServiceAccount, uninstall --revision of either "
    "keeps it for the other, the last one removes it",
    "[install][uninstall][sharing]") {
  auto ns = uniqueName("iop-cli-share");
  auto r1 = uniqueName("ca"), r2 = uniqueName("cb");
  const std::string file = iop::test::clusterDir() + "/" + ns + "-cp.yaml";
  std::ofstream(file) << "apiVersion: install.istio.io/v1alpha1\nkind: IstioOperator\nmetadata:\n  name: "
                         "control-plane\nspec:\n  profile: minimal"
                      << "\n  values:\n    global:\n      istioNamespace: " << ns
                      << "\n    base:\n      enableIstioConfigCRDs: false\n";
  auto install = [&](const std::string& rev) {
    return iopCli({"install", "-f", file, "-n", ns, "--revision", rev, "-y", "--readiness-timeout", "60"});
  };
  const std::string reader = "serviceaccount/istio-reader-service-account";
  const std::string owner = ns + "/control-plane@";

  requireOk(install(r1));
  auto second = install(r2);
  requireOk(second);
  // The reader ServiceAccount and Istio's CRDs (Base renders them whatever enableIstioConfigCRDs
  // says, as istioctl does) are the objects the second revision shares.
  INFO(second.out);
  CHECK(std::regex_search(second.out, std::regex("[1-9][0-9]* shared with another revision")));
  json sa = get(ns, reader);
  REQUIRE(sa.is_object());
  const std::string uid = sa["metadata"]["uid"];
  CHECK(labelOf(sa, iop::reconcilers::kRevisionLabel) == r1);
  CHECK(coOwners(sa) == owner + r2);

  auto dry = iopCli({"uninstall", "--revision", r1, "--dry-run"});
  INFO(dry.out);
  CHECK(dry.out.find("ServiceAccount " + ns + "/istio-reader-service-account (handed to " + owner + r2 +
                     ")") != std::string::npos);
  requireOk(iopCli({"uninstall", "--revision", r1, "-y"}));
  sa = get(ns, reader);
  REQUIRE(sa.is_object());
  CHECK(sa["metadata"]["uid"] == uid);
  CHECK(labelOf(sa, iop::reconcilers::kRevisionLabel) == r2);
  CHECK(labelOf(sa, iop::reconcilers::kOwningResourceLabel) == "control-plane");
  CHECK(coOwners(sa).empty());
  CHECK(get(ns, "deployment/istiod-" + r1).is_null());
  CHECK(get(ns, "deployment/istiod-" + r2).is_object());

  // The other way round: the co-owner goes first and only leaves the list.
  requireOk(install(r1));
  CHECK(coOwners(get(ns, reader)) == owner + r1);
  requireOk(iopCli({"uninstall", "--revision", r1, "-y"}));
  sa = get(ns, reader);
  REQUIRE(sa.is_object());
  CHECK(sa["metadata"]["uid"] == uid);
  CHECK(coOwners(sa).empty());
  CHECK(labelOf(sa, iop::reconcilers::kRevisionLabel) == r2);

  requireOk(iopCli({"uninstall", "--revision", r2, "-y"}));
  CHECK(get(ns, reader).is_null());
  CHECK(get(ns, "deployment/istiod-" + r2).is_null());

  kubectl({"delete", "namespace", ns, "--wait=false"});
  std::remove(file.c_str());
}
