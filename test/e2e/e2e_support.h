#pragma once

// Shared by the end-to-end tests, which re-enact the user story of docs/user-story.md with `iop`
// in place of istioctl and kubectl as the user types it. They install into istio-system as the
// page does, so each test runs on a cluster of its own.
#include <atomic>
#include <catch2/catch.hpp>
#include <chrono>
#include <cstdint>
#include <map>
#include <memory>
#include <nlohmann/json.hpp>
#include <optional>
#include <set>
#include <string>
#include <thread>
#include <vector>

#include "kube/client.h"
#include "test/integration/kube/kube_test_support.h"             // adminClient(), eventually()
#include "test/integration/reconcilers/operator_test_support.h"  // kDeployment, kService
#include "test/support/cluster.h"
#include "test/support/operator_process.h"
#include "test/support/own_cluster.h"

namespace iop::test::e2e {

using json = nlohmann::json;
using iop::kube::testing::adminClient;
using iop::kube::testing::eventually;
using iop::reconcilers::testing::kDeployment;
using iop::reconcilers::testing::kService;

// A cluster of this test's own (test/cluster/up.sh, tens of seconds) that every helper of
// test/support talks to while it lives: IOP_TEST_CLUSTER and KUBECONFIG point at it (so `iop`
// commands run as the user types them, without --kubeconfig). At scope exit, even on failure, the
// cluster's logs (API server, controllers, operators) are copied to <build>/e2e-logs/<name>/ and
// the cluster is stopped. Declare it before the OperatorProcesses, which must stop first.
// One per process at a time; not thread-safe.
class PageCluster {
 public:
  explicit PageCluster(const std::string& name);
  ~PageCluster();
  PageCluster(const PageCluster&) = delete;
  PageCluster& operator=(const PageCluster&) = delete;

  const std::string& dir() const { return cluster_.dir(); }
  std::string logsDir() const;  // where the logs are kept after the test

 private:
  OwnCluster cluster_;
  std::string name_;
  std::optional<std::string> previousCluster_, previousKubeconfig_;
};

// Prints "[e2e HH:MM:SS] step 2.3: ..." (progress in ctest's output) and keeps the text as the
// context of every failure in the enclosing scope, so a failure says which step of the page broke.
#define E2E_STEP(text)                     \
  const std::string e2eStepText_ = (text); \
  INFO("page step " << e2eStepText_);      \
  ::iop::test::e2e::announce(e2eStepText_)
void announce(const std::string& text);

// The path of a file in examples/ (the page's files).
std::string example(const std::string& file);

// `iop args...` against the current cluster, answering `answer` to its confirmation prompt
// ("y\n", as a user types it), stdout and stderr interleaved. Blocks.
ProcessResult runIop(const std::vector<std::string>& args, const std::string& answer = "");

// Fails the test, showing what it printed, unless the command exited 0.
void requireSuccess(const ProcessResult& r, const std::string& command);

// kubectl get ARGS -o json, parsed; null when kubectl fails (e.g. NotFound).
json getJson(const std::vector<std::string>& args);
// kubectl get ARGS -o jsonpath=PATH; "" when kubectl fails.
std::string jsonpath(const std::vector<std::string>& args, const std::string& path);

// A label of the pod template of Deployment istio-system/deployment; "" when absent.
std::string templateLabel(const std::string& deployment, const std::string& label);

// Names of the pods in istio-system matching `selector` that are Running and not being deleted.
std::vector<std::string> runningPods(const std::string& selector);
// Whether `pods` are exactly one pod per prefix ("istiod-1-8-0-", ...).
bool podsArePrefixed(const std::vector<std::string>& pods, const std::vector<std::string>& prefixes);

// "$ kubectl ARGS" and what it printed, to show in a failure message.
std::string show(const std::vector<std::string>& args);

// Whether IstioOperator istio-system/name reports status.status == HEALTHY.
bool healthy(const std::string& name);
// Waits up to `timeout` for HEALTHY; fails the test with the CR's status otherwise.
void requireHealthy(const std::string& name, std::chrono::seconds timeout = std::chrono::seconds(120));

// Every object iop may have written (its owned kinds) that matches `labelSelector`, by
// "Kind namespace/name" (namespace empty for cluster-scoped kinds).
std::map<std::string, json> managedObjects(kube::Client& client, const std::string& labelSelector);
// The "Kind ns/name" keys of `objects` whose UID is the same in `after`.
std::set<std::string> keysWithSameUid(const std::map<std::string, json>& objects,
                                      const std::map<std::string, json>& after);

// Writes (POST, PATCH, DELETE) the operator sent so far, from rest_client_requests_total on its
// /metrics. PUTs are left out: the lease renewals of leader election are PUTs, and iop writes
// nothing else with PUT. Fails the test when /metrics does not answer.
std::uint64_t operatorWrites(const OperatorProcess& op);

// `iop operator init --revision R` (as typed on the page), then its operator as a local process
// with the ServiceAccount token and environment of the Deployment init created; waits until
// the operator is ready.
std::unique_ptr<OperatorProcess> initOperator(const std::string& revision);

// Watches one object by polling GET every 20 ms on a thread of its own, from construction until
// stop(): how many polls found it absent and which UIDs it had. Proves an object was never
// deleted, even for an instant a slower poll would miss (a new UID gives it away).
class PresenceWatch {
 public:
  PresenceWatch(const kube::GroupVersionKind& gvk, std::string ns, std::string name);
  ~PresenceWatch();  // stops
  void stop();
  int absentPolls() const { return absent_; }
  int polls() const { return polls_; }
  std::set<std::string> uids() const;

 private:
  std::unique_ptr<kube::Client> client_;
  std::atomic<bool> stop_{false};
  std::atomic<int> absent_{0}, polls_{0};
  mutable std::mutex mu_;
  std::set<std::string> uids_;  // guarded by mu_
  std::thread thread_;
};

}  // namespace iop::test::e2e
