#include "test/e2e/e2e_support.h"

#include <cstdlib>
#include <ctime>
#include <filesystem>
#include <iostream>
#include <sstream>

#include "reconcilers/apply/ownership.h"
#include "test/support/http_get.h"

namespace iop::test::e2e {

namespace fs = std::filesystem;

namespace {

std::optional<std::string> getEnv(const char* name) {
  const char* v = std::getenv(name);
  return v ? std::optional<std::string>(v) : std::nullopt;
}

void restoreEnv(const char* name, const std::optional<std::string>& value) {
  if (value)
    ::setenv(name, value->c_str(), 1);
  else
    ::unsetenv(name);
}

}  // namespace

PageCluster::PageCluster(const std::string& name)
    : name_(name), previousCluster_(getEnv("IOP_TEST_CLUSTER")), previousKubeconfig_(getEnv("KUBECONFIG")) {
  ::setenv("IOP_TEST_CLUSTER", cluster_.dir().c_str(), 1);
  ::setenv("KUBECONFIG", cluster_.kubeconfig().c_str(), 1);
  announce("cluster " + cluster_.dir() + " is up; its logs will be kept in " + logsDir());
}

PageCluster::~PageCluster() {
  std::error_code ignored;
  fs::remove_all(logsDir(), ignored);
  fs::create_directories(logsDir(), ignored);
  fs::copy(cluster_.dir() + "/logs", logsDir(), fs::copy_options::recursive, ignored);
  restoreEnv("IOP_TEST_CLUSTER", previousCluster_);
  restoreEnv("KUBECONFIG", previousKubeconfig_);
}

std::string PageCluster::logsDir() const {
  return std::string(IOP_BINARY_DIR) + "/e2e-logs/" + name_;
}

void announce(const std::string& text) {
  std::time_t t = std::time(nullptr);
  std::tm tm{};
  localtime_r(&t, &tm);
  char when[16];
  std::strftime(when, sizeof when, "%H:%M:%S", &tm);
  std::cout << "[e2e " << when << "] " << text << std::endl;
}

std::string example(const std::string& file) {
  return std::string(IOP_SOURCE_DIR) + "/examples/" + file;
}

ProcessResult runIop(const std::vector<std::string>& args, const std::string& answer) {
  std::vector<std::string> argv{IOP_BINARY};
  argv.insert(argv.end(), args.begin(), args.end());
  return run(argv, answer);
}

void requireSuccess(const ProcessResult& r, const std::string& command) {
  INFO("$ " << command << "\n" << r.out);
  REQUIRE(r.exitCode == 0);
}

json getJson(const std::vector<std::string>& args) {
  std::vector<std::string> a{"get"};
  a.insert(a.end(), args.begin(), args.end());
  a.insert(a.end(), {"-o", "json"});
  std::vector<std::string> argv{"kubectl", "--kubeconfig", kubeconfigPath()};
  argv.insert(argv.end(), a.begin(), a.end());
  auto r = run(argv, "", false);
  if (r.exitCode != 0) return nullptr;
  return json::parse(r.out, nullptr, false);
}

std::string jsonpath(const std::vector<std::string>& args, const std::string& path) {
  std::vector<std::string> a{"get"};
  a.insert(a.end(), args.begin(), args.end());
  a.push_back("-o=jsonpath=" + path);
  auto r = kubectl(a);
  return r.exitCode == 0 ? r.out : "";
}

std::string templateLabel(const std::string& deployment, const std::string& label) {
  std::string escaped;
  for (char c : label) escaped += c == '.' ? std::string("\\.") : std::string(1, c);
  return jsonpath({"-n", "istio-system", "deployment", deployment},
                  "{.spec.template.metadata.labels." + escaped + "}");
}

std::vector<std::string> runningPods(const std::string& selector) {
  std::vector<std::string> out;
  json pods = getJson({"pods", "-n", "istio-system", "-l", selector});
  if (!pods.is_object()) return out;
  for (const auto& p : pods["items"])
    if (!p["metadata"].contains("deletionTimestamp") && p["status"].value("phase", "") == "Running")
      out.push_back(p["metadata"].value("name", ""));
  return out;
}

bool podsArePrefixed(const std::vector<std::string>& pods, const std::vector<std::string>& prefixes) {
  if (pods.size() != prefixes.size()) return false;
  for (const auto& prefix : prefixes) {
    int n = 0;
    for (const auto& p : pods) n += p.rfind(prefix, 0) == 0 ? 1 : 0;
    if (n != 1) return false;
  }
  return true;
}

std::string show(const std::vector<std::string>& args) {
  std::string command = "$ kubectl";
  for (const auto& a : args) command += " " + a;
  return command + "\n" + kubectl(args).out;
}

bool healthy(const std::string& name) {
  return jsonpath({"-n", "istio-system", "istiooperator", name}, "{.status.status}") == "HEALTHY";
}

void requireHealthy(const std::string& name, std::chrono::seconds timeout) {
  bool ok = eventually([&] { return healthy(name); }, timeout);
  INFO("IstioOperator istio-system/" << name << " status: "
                                     << jsonpath({"-n", "istio-system", "istiooperator", name}, "{.status}"));
  REQUIRE(ok);
}

std::map<std::string, json> managedObjects(kube::Client& client, const std::string& labelSelector) {
  std::map<std::string, json> out;
  for (const auto& kind : reconcilers::ownedKinds()) {
    auto list = client.listAll(kind.gvk, "", {.labelSelector = labelSelector});
    INFO("listing " << kind.gvk.kind << "s with " << labelSelector << ": "
                    << (list ? "" : list.error().describe()));
    REQUIRE(list.ok());
    for (auto& item : (*list)["items"]) {
      item["kind"] = kind.gvk.kind;
      out[reconcilers::describeObject(item)] = item;
    }
  }
  return out;
}

std::set<std::string> keysWithSameUid(const std::map<std::string, json>& objects,
                                      const std::map<std::string, json>& after) {
  std::set<std::string> same;
  for (const auto& [key, o] : objects) {
    auto it = after.find(key);
    if (it != after.end() && it->second["metadata"]["uid"] == o["metadata"]["uid"]) same.insert(key);
  }
  return same;
}

std::uint64_t operatorWrites(const OperatorProcess& op) {
  auto r = httpGet(op.metricsPort(), "/metrics");
  INFO("GET /metrics of the operator (log " << op.logPath() << "): " << r.status << " " << r.error);
  REQUIRE(r.status == 200);
  std::uint64_t writes = 0;
  std::istringstream lines(r.body);
  std::string line;
  while (std::getline(lines, line)) {
    if (line.rfind("rest_client_requests_total{", 0) != 0) continue;
    for (const char* method : {"method=\"POST\"", "method=\"PATCH\"", "method=\"DELETE\""})
      if (line.find(method) != std::string::npos)
        writes += static_cast<std::uint64_t>(std::stod(line.substr(line.rfind(' ') + 1)));
  }
  return writes;
}

std::unique_ptr<OperatorProcess> initOperator(const std::string& revision) {
  requireSuccess(runIop({"operator", "init", "--revision", revision}),
                 "iop operator init --revision " + revision);
  auto op = std::make_unique<OperatorProcess>(
      launchFromDeployment(IOP_BINARY, "istio-operator", "istio-operator-" + revision),
      "operator-" + revision);
  bool ready = op->waitReady(std::chrono::seconds(30));
  INFO("operator " << revision << " log:\n" << op->log());
  REQUIRE(ready);
  return op;
}

PresenceWatch::PresenceWatch(const kube::GroupVersionKind& gvk, std::string ns, std::string name)
    : client_(adminClient()) {
  thread_ = std::thread([this, gvk, ns = std::move(ns), name = std::move(name)] {
    while (!stop_) {
      auto r = client_->get(gvk, ns, name);
      ++polls_;
      if (r) {
        std::lock_guard lock(mu_);
        uids_.insert((*r)["metadata"].value("uid", ""));
      } else if (kube::isNotFound(r.error())) {
        ++absent_;
      }
      std::this_thread::sleep_for(std::chrono::milliseconds(20));
    }
  });
}

PresenceWatch::~PresenceWatch() {
  stop();
}

void PresenceWatch::stop() {
  stop_ = true;
  if (thread_.joinable()) thread_.join();
}

std::set<std::string> PresenceWatch::uids() const {
  std::lock_guard lock(mu_);
  return uids_;
}

}  // namespace iop::test::e2e
