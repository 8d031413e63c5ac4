// Why a workload is not ready, from the objects the cluster keeps about it: what `iop install`
// prints on a timeout. The objects here are shaped as the API server returns them.
#include "reconcilers/apply/workload_diagnosis.h"

#include <catch2/catch.hpp>

using namespace iop::reconcilers;
using json = nlohmann::json;

namespace {

json deployment() {
  return {{"kind", "Deployment"},
          {"metadata", {{"name", "igw"}, {"namespace", "gw"}, {"uid", "d1"}}},
          {"spec", {{"replicas", 1}, {"selector", {{"matchLabels", {{"app", "igw"}}}}}}},
          {"status",
           {{"conditions", json::array({{{"type", "ReplicaFailure"},
                                         {"status", "True"},
                                         {"reason", "FailedCreate"},
                                         {"message", "quota"}}})}}}};
}

json replicaSet(const std::string& uid, int revision) {
  return {{"metadata",
           {{"name", "igw-" + uid},
            {"namespace", "gw"},
            {"uid", uid},
            {"annotations", {{"deployment.kubernetes.io/revision", std::to_string(revision)}}},
            {"ownerReferences", json::array({{{"uid", "d1"}}})}}}};
}

json pod(const std::string& name, const std::string& owner, json status) {
  return {{"metadata",
           {{"name", name},
            {"namespace", "gw"},
            {"uid", "p-" + name},
            {"ownerReferences", json::array({{{"uid", owner}}})}}},
          {"status", std::move(status)}};
}

json event(const std::string& uid, const std::string& reason, const std::string& message) {
  return {{"type", "Warning"}, {"reason", reason}, {"message", message}, {"involvedObject", {{"uid", uid}}}};
}

}  // namespace

TEST_CASE("an unschedulable pod is reported with the scheduler's event, once for all its pods",
          "[diagnosis]") {
  json unscheduled = {
      {"conditions",
       json::array({{{"type", "PodScheduled"},
                     {"status", "False"},
                     {"reason", "Unschedulable"},
                     {"message",
                      "0/1 nodes are available: 1 node(s) didn't match Pod's node affinity/selector."}}})}};
  auto problems = workloadProblems(
      deployment(), {replicaSet("rs1", 1), replicaSet("rs2", 2)},
      {pod("a", "rs2", unscheduled), pod("b", "rs2", unscheduled), pod("old", "rs1", json::object())},
      {event("p-a", "FailedScheduling",
             "0/1 nodes are available: 1 node(s) didn't match Pod's node affinity/selector."),
       event("p-old", "BackOff", "from the old ReplicaSet: not ours to report")});
  REQUIRE(problems.size() == 1);
  CHECK(problems[0].reason == "FailedScheduling");
  CHECK(problems[0].where == "pod a (and 1 more)");
  CHECK(describeProblem(problems[0]) ==
        "FailedScheduling: 0/1 nodes are available: 1 node(s) didn't match Pod's node affinity/selector. "
        "(pod a (and 1 more))");
}

TEST_CASE("a missing image and a crash loop are read from the containers' states", "[diagnosis]") {
  json pulling = {
      {"containerStatuses",
       json::array({{{"name", "istio-proxy"},
                     {"state",
                      {{"waiting",
                        {{"reason", "ImagePullBackOff"},
                         {"message", "Back-off pulling image \"registry.invalid/istio/proxyv2\""}}}}}}})}};
  json crashing = {
      {"containerStatuses",
       json::array({{{"name", "discovery"},
                     {"state", {{"waiting", {{"reason", "CrashLoopBackOff"}}}}},
                     {"lastState", {{"terminated", {{"exitCode", 1}, {"reason", "Error"}}}}}}})}};
  json starting = {
      {"containerStatuses",
       json::array({{{"name", "x"}, {"state", {{"waiting", {{"reason", "ContainerCreating"}}}}}}})}};
  auto problems =
      workloadProblems(deployment(), {replicaSet("rs1", 1)},
                       {pod("a", "rs1", pulling), pod("b", "rs1", crashing), pod("c", "rs1", starting)}, {});
  REQUIRE(problems.size() == 2);
  CHECK(problems[0].reason == "ImagePullBackOff");
  CHECK_THAT(problems[0].message, Catch::Contains("registry.invalid/istio/proxyv2"));
  CHECK(problems[1].reason == "CrashLoopBackOff");
  CHECK(problems[1].message == "container discovery: last exit code 1 (Error)");
}

TEST_CASE("a quota refusing pods is the ReplicaSet's latest FailedCreate, said once", "[diagnosis]") {
  auto problems = workloadProblems(
      deployment(), {replicaSet("rs1", 1)}, {},
      {event("rs1", "FailedCreate", "pods \"igw-1\" is forbidden: exceeded quota: q"),
       event("rs1", "FailedCreate",
             "(combined from similar events): pods \"igw-2\" is forbidden: exceeded quota: q")});
  REQUIRE(problems.size() == 1);
  CHECK(problems[0].message == "pods \"igw-2\" is forbidden: exceeded quota: q");
  CHECK(problems[0].where == "ReplicaSet gw/igw-rs1");
}

TEST_CASE("with nothing wrong on its pods, the workload's own failed condition is the reason",
          "[diagnosis]") {
  auto problems = workloadProblems(deployment(), {replicaSet("rs1", 1)}, {}, {});
  REQUIRE(problems.size() == 1);
  CHECK(problems[0].reason == "FailedCreate");
  CHECK(problems[0].where == "Deployment gw/igw");
}
