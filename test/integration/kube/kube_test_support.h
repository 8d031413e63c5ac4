#pragma once

#include <catch2/catch.hpp>
#include <chrono>
#include <functional>
#include <memory>
#include <string>
#include <thread>

#include "kube/client.h"
#include "test/support/cluster.h"
#include "test/support/eventually.h"

// Shared by the kube/ integration tests: clients for the test cluster and a namespace per test.
namespace iop::kube::testing {

using namespace std::chrono_literals;

// The admin (client certificate) config of the test cluster (or of the cluster whose kubeconfig
// is at `kubeconfig`), limits raised for tests.
inline Config adminConfig(const std::string& kubeconfig = iop::test::kubeconfigPath()) {
  auto c = loadKubeconfig({.path = kubeconfig});
  REQUIRE(c.ok());
  c->qps = 100;
  c->burst = 200;
  return *c;
}

inline std::unique_ptr<Client> clientFor(Config config, ClientOptions options = {}) {
  auto c = Client::create(std::move(config), std::move(options));
  INFO((c ? "" : c.error().describe()));
  REQUIRE(c.ok());
  return std::move(*c);
}

inline std::unique_ptr<Client> adminClient() {
  return clientFor(adminConfig());
}

inline const GroupVersionKind kConfigMap{"", "v1", "ConfigMap"};
inline const GroupVersionKind kNamespace{"", "v1", "Namespace"};
inline const GroupVersionKind kServiceAccount{"", "v1", "ServiceAccount"};

// Creates a fresh namespace named after `prefix`; deleted (without waiting) at scope exit.
class TestNamespace {
 public:
  TestNamespace(Client& client, const std::string& prefix)
      : client_(client), name_(iop::test::uniqueName(prefix)) {
    auto r = client_.create(kNamespace, "",
                            {{"apiVersion", "v1"}, {"kind", "Namespace"}, {"metadata", {{"name", name_}}}});
    INFO((r ? "" : r.error().describe()));
    REQUIRE(r.ok());
  }
  ~TestNamespace() { (void)client_.remove(kNamespace, "", name_); }
  const std::string& name() const { return name_; }

 private:
  Client& client_;
  std::string name_;
};

inline nlohmann::json configMap(const std::string& ns, const std::string& name, nlohmann::json data) {
  return {{"apiVersion", "v1"},
          {"kind", "ConfigMap"},
          {"metadata", {{"name", name}, {"namespace", ns}}},
          {"data", std::move(data)}};
}

using iop::test::eventually;

inline std::string describe(const Error& e) {
  return e.describe();
}

// A namespaced custom resource kind "Widget" (plural widgets) in `group`, v1, with a status
// subresource and no schema constraints.
inline const GroupVersionKind kCRD{"apiextensions.k8s.io", "v1", "CustomResourceDefinition"};

inline nlohmann::json widgetCRD(const std::string& group) {
  using json = nlohmann::json;
  return {{"apiVersion", "apiextensions.k8s.io/v1"},
          {"kind", "CustomResourceDefinition"},
          {"metadata", {{"name", "widgets." + group}}},
          {"spec",
           {{"group", group},
            {"scope", "Namespaced"},
            {"names",
             {{"plural", "widgets"}, {"singular", "widget"}, {"kind", "Widget"}, {"listKind", "WidgetList"}}},
            {"versions",
             json::array({{{"name", "v1"},
                           {"served", true},
                           {"storage", true},
                           {"subresources", {{"status", json::object()}}},
                           {"schema",
                            {{"openAPIV3Schema",
                              {{"type", "object"}, {"x-kubernetes-preserve-unknown-fields", true}}}}}}})}}}};
}

inline bool established(Client& client, const std::string& name) {
  auto crd = client.get(kCRD, "", name);
  if (!crd) return false;
  for (const auto& c : (*crd)["status"].value("conditions", nlohmann::json::array()))
    if (c["type"] == "Established" && c["status"] == "True") return true;
  return false;
}

// Creates the Widget CRD for `group`, waits until it is served; deletes it at scope exit.
class TestWidgetCRD {
 public:
  TestWidgetCRD(Client& client, std::string group) : client_(client), name_("widgets." + group) {
    auto crd = client_.create(kCRD, "", widgetCRD(group));
    INFO((crd ? "" : crd.error().describe()));
    REQUIRE(crd.ok());
    REQUIRE(eventually([&] { return established(client_, name_); }));
  }
  ~TestWidgetCRD() { (void)client_.remove(kCRD, "", name_); }

 private:
  Client& client_;
  std::string name_;
};

}  // namespace iop::kube::testing
