// Kubeconfig loading: kubectl's merge rules, relative paths, data vs files, and errors that
// name the file, the context and what is missing.
#include <catch2/catch.hpp>
#include <cstdlib>
#include <filesystem>
#include <fstream>

#include "kube/config.h"

using namespace iop::kube;
namespace fs = std::filesystem;

namespace {

// A scratch directory removed at scope exit.
struct TempDir {
  fs::path path;
  TempDir() {
    std::string tmpl = (fs::temp_directory_path() / "iop-kubeconfig-XXXXXX").string();
    path = ::mkdtemp(tmpl.data());
  }
  ~TempDir() { fs::remove_all(path); }
  std::string write(const std::string& name, const std::string& content) const {
    auto p = path / name;
    fs::create_directories(p.parent_path());
    std::ofstream(p) << content;
    return p.string();
  }
};

const std::string kSimple = R"(apiVersion: v1
kind: Config
clusters:
- name: c1
  cluster:
    server: https://c1.example:6443/
    certificate-authority-data: Q0EtT05F
users:
- name: u1
  user:
    token: token-one
contexts:
- name: ctx1
  context: {cluster: c1, user: u1, namespace: team-a}
current-context: ctx1
)";

}  // namespace

TEST_CASE("a kubeconfig's current context gives server, CA data, token and namespace", "[kube][config]") {
  TempDir dir;
  auto file = dir.write("config", kSimple);
  auto c = loadKubeconfig({.path = file});
  INFO((c ? "" : c.error().describe()));
  REQUIRE(c.ok());
  CHECK(c->server == "https://c1.example:6443");  // trailing slash dropped
  CHECK(c->caPEM == "CA-ONE");                    // base64 decoded
  CHECK(c->bearerToken == "token-one");
  CHECK(c->defaultNamespace == "team-a");
  CHECK_THAT(c->source, Catch::Contains(file) && Catch::Contains("ctx1"));
}

TEST_CASE("file references are resolved against the kubeconfig's own directory", "[kube][config]") {
  TempDir dir;
  dir.write("sub/certs/ca.crt", "CA-FROM-FILE");
  dir.write("sub/certs/client.crt", "CERT");
  dir.write("sub/certs/client.key", "KEY");
  dir.write("sub/token", "  file-token\n");
  auto file = dir.write("sub/config", R"(clusters:
- name: c
  cluster:
    server: https://x:443
    certificate-authority: certs/ca.crt
    tls-server-name: api.internal
users:
- name: u
  user:
    client-certificate: certs/client.crt
    client-key: certs/client.key
    tokenFile: token
contexts:
- name: x
  context: {cluster: c, user: u}
current-context: x
)");
  auto c = loadKubeconfig({.path = file});
  INFO((c ? "" : c.error().describe()));
  REQUIRE(c.ok());
  CHECK(c->caPEM == "CA-FROM-FILE");
  CHECK(c->clientCertPEM == "CERT");
  CHECK(c->clientKeyPEM == "KEY");
  CHECK(c->tlsServerName == "api.internal");
  CHECK(c->bearerTokenFile == (dir.path / "sub" / "token").string());
  CHECK(c->defaultNamespace == "default");
}

TEST_CASE("inline -data wins over a file reference", "[kube][config]") {
  TempDir dir;
  auto file = dir.write("config", R"(clusters:
- name: c
  cluster:
    server: https://x
    certificate-authority: does-not-exist.crt
    certificate-authority-data: SU5MSU5F
contexts:
- name: x
  context: {cluster: c}
current-context: x
)");
  auto c = loadKubeconfig({.path = file});
  INFO((c ? "" : c.error().describe()));
  REQUIRE(c.ok());
  CHECK(c->caPEM == "INLINE");
  CHECK(c->bearerToken.empty());  // a context without a user is anonymous
}

TEST_CASE("insecure-skip-tls-verify together with a CA is refused, as kubectl does",
          "[kube][config][hostile]") {
  TempDir dir;
  const std::string cluster = "clusters:\n- name: c\n  cluster:\n    server: https://x\n";
  const std::string rest = "contexts:\n- name: x\n  context: {cluster: c}\ncurrent-context: x\n";
  auto both = loadKubeconfig(
      {.path = dir.write(
           "both", cluster +
                       "    certificate-authority-data: SU5MSU5F\n    insecure-skip-tls-verify: true\n" +
                       rest)});
  REQUIRE_FALSE(both.ok());
  CHECK_THAT(both.error().describe(),
             Catch::Contains("insecure-skip-tls-verify together with a certificate authority"));
  // Alone it is honoured (iop warns loudly on every connection it makes that way).
  auto insecure = loadKubeconfig(
      {.path = dir.write("insecure", cluster + "    insecure-skip-tls-verify: true\n" + rest)});
  REQUIRE(insecure.ok());
  CHECK(insecure->insecureSkipTLSVerify);
}

TEST_CASE("KUBECONFIG files merge: the first file to define a name or current-context wins",
          "[kube][config]") {
  TempDir dir;
  auto first = dir.write("first", R"(clusters:
- name: shared
  cluster: {server: https://from-first}
users:
- name: shared-user
  user: {token: first-token}
contexts:
- name: a
  context: {cluster: shared, user: shared-user}
)");
  auto second = dir.write("second", R"(clusters:
- name: shared
  cluster: {server: https://from-second}
- name: only-second
  cluster: {server: https://only-second}
users:
- name: shared-user
  user: {token: second-token}
contexts:
- name: b
  context: {cluster: only-second, user: shared-user}
current-context: b
)");
  auto third = dir.write("third", "current-context: a\n");
  std::string env = first + ":" + (dir.path / "missing").string() + ":" + second + ":" + third;

  auto c = loadKubeconfig({.kubeconfigEnv = env});
  INFO((c ? "" : c.error().describe()));
  REQUIRE(c.ok());
  // current-context comes from the second file (the first that sets it), not the third.
  CHECK(c->server == "https://only-second");
  CHECK(c->bearerToken == "first-token");  // user "shared-user" from the first file

  auto a = loadKubeconfig({.context = "a", .kubeconfigEnv = env});
  REQUIRE(a.ok());
  CHECK(a->server == "https://from-first");

  // --kubeconfig ignores KUBECONFIG entirely.
  auto explicitOnly = loadKubeconfig({.path = second, .kubeconfigEnv = first});
  REQUIRE(explicitOnly.ok());
  CHECK(explicitOnly->server == "https://only-second");
  CHECK(explicitOnly->bearerToken == "second-token");
}

TEST_CASE("with no KUBECONFIG, ~/.kube/config is read", "[kube][config]") {
  TempDir dir;
  dir.write(".kube/config", kSimple);
  auto c = loadKubeconfig({.kubeconfigEnv = "", .home = dir.path.string()});
  REQUIRE(c.ok());
  CHECK(c->server == "https://c1.example:6443");
}

TEST_CASE("a broken kubeconfig names the file, the context and what is missing", "[kube][config]") {
  TempDir dir;
  auto check = [&](const std::string& yaml, const std::string& context, std::vector<std::string> expected) {
    auto file = dir.write("broken", yaml);
    auto c = loadKubeconfig({.path = file, .context = context});
    REQUIRE_FALSE(c.ok());
    CHECK(c.error().kind == ErrorKind::Config);
    INFO(c.error().describe());
    CHECK_THAT(c.error().describe(), Catch::Contains(file));
    for (const auto& e : expected) CHECK_THAT(c.error().describe(), Catch::Contains(e));
  };
  SECTION("unknown context") {
    check(kSimple, "nope", {"context \"nope\" is not defined", "ctx1"});
  }
  SECTION("no current context") {
    check("clusters: []\ncontexts: []\n", "", {"no current-context"});
  }
  SECTION("missing cluster") {
    check("contexts:\n- name: x\n  context: {cluster: gone, user: u}\ncurrent-context: x\n", "",
          {"context \"x\"", "cluster \"gone\"", "not defined"});
  }
  SECTION("missing user") {
    check(
        "clusters:\n- name: c\n  cluster: {server: https://s}\ncontexts:\n- name: x\n  context: {cluster: c, "
        "user: "
        "ghost}\ncurrent-context: x\n",
        "", {"context \"x\"", "user \"ghost\"", "not defined"});
  }
  SECTION("cluster without server") {
    check(
        "clusters:\n- name: c\n  cluster: {}\ncontexts:\n- name: x\n  context: {cluster: "
        "c}\ncurrent-context: x\n",
        "", {"context \"x\"", "cluster \"c\"", "has no server"});
  }
  SECTION("unreadable certificate file") {
    check(
        "clusters:\n- name: c\n  cluster: {server: https://s, certificate-authority: nope.crt}\ncontexts:\n- "
        "name: "
        "x\n  context: {cluster: c}\ncurrent-context: x\n",
        "", {"context \"x\"", "certificate-authority", "nope.crt"});
  }
  SECTION("certificate without key") {
    check(
        "clusters:\n- name: c\n  cluster: {server: https://s}\nusers:\n- name: u\n  user: "
        "{client-certificate-data: "
        "Q0VSVA==}\ncontexts:\n- name: x\n  context: {cluster: c, user: u}\ncurrent-context: x\n",
        "", {"user \"u\"", "certificate but no key"});
  }
  SECTION("bad base64") {
    check(
        "clusters:\n- name: c\n  cluster: {server: https://s, certificate-authority-data: "
        "\"!!\"}\ncontexts:\n- "
        "name: x\n  context: {cluster: c}\ncurrent-context: x\n",
        "", {"certificate-authority-data", "base64"});
  }
  SECTION("exec plugin") {
    check(
        "clusters:\n- name: c\n  cluster: {server: https://s}\nusers:\n- name: u\n  user: {exec: {command: "
        "aws}}\ncontexts:\n- name: x\n  context: {cluster: c, user: u}\ncurrent-context: x\n",
        "", {"user \"u\"", "exec"});
  }
  SECTION("missing token file") {
    check(
        "clusters:\n- name: c\n  cluster: {server: https://s}\nusers:\n- name: u\n  user: {tokenFile: "
        "absent-token}\ncontexts:\n- name: x\n  context: {cluster: c, user: u}\ncurrent-context: x\n",
        "", {"tokenFile", "absent-token"});
  }
  SECTION("not YAML") {
    check("clusters: [unclosed\n", "", {"not valid YAML"});
  }
}

TEST_CASE("an explicit kubeconfig path that does not exist is an error", "[kube][config]") {
  auto c = loadKubeconfig({.path = "/nonexistent/iop/kubeconfig"});
  REQUIRE_FALSE(c.ok());
  CHECK_THAT(c.error().describe(), Catch::Contains("/nonexistent/iop/kubeconfig"));
}

TEST_CASE("in-cluster config reads the service account files and bracketed IPv6 hosts", "[kube][config]") {
  TempDir dir;
  InClusterOptions o{.tokenFile = dir.write("token", "sa-token\n"),
                     .caFile = dir.write("ca.crt", "CA"),
                     .namespaceFile = dir.write("namespace", "istio-system\n"),
                     .host = "fd00::1",
                     .port = "443"};
  auto c = loadInClusterConfig(o);
  INFO((c ? "" : c.error().describe()));
  REQUIRE(c.ok());
  CHECK(c->server == "https://[fd00::1]:443");
  CHECK(c->caPEM == "CA");
  CHECK(c->bearerTokenFile == o.tokenFile);
  CHECK(c->defaultNamespace == "istio-system");

  o.host = "";
  auto outside = loadInClusterConfig(o);
  REQUIRE_FALSE(outside.ok());
  CHECK_THAT(outside.error().describe(), Catch::Contains("KUBERNETES_SERVICE_HOST"));

  o.host = "10.0.0.1";
  o.tokenFile = (dir.path / "absent").string();
  auto noToken = loadInClusterConfig(o);
  REQUIRE_FALSE(noToken.ok());
  CHECK_THAT(noToken.error().describe(), Catch::Contains("token") && Catch::Contains("absent"));
}

TEST_CASE("the default config prefers --kubeconfig, then KUBECONFIG, then in-cluster, then ~/.kube",
          "[kube][config]") {
  TempDir dir;
  auto file = dir.write("config", kSimple);
  InClusterOptions inCluster{.tokenFile = dir.write("token", "t"),
                             .caFile = dir.write("ca.crt", "CA"),
                             .namespaceFile = dir.write("namespace", "ns"),
                             .host = "10.0.0.1",
                             .port = "443"};
  auto fromEnv = loadDefaultConfig({.kubeconfigEnv = file}, inCluster);
  REQUIRE(fromEnv.ok());
  CHECK(fromEnv->server == "https://c1.example:6443");
  auto inPod = loadDefaultConfig({.kubeconfigEnv = "", .home = dir.path.string()}, inCluster);
  REQUIRE(inPod.ok());
  CHECK(inPod->server == "https://10.0.0.1:443");
  inCluster.host = "";
  dir.write(".kube/config", kSimple);
  auto home = loadDefaultConfig({.kubeconfigEnv = "", .home = dir.path.string()}, inCluster);
  REQUIRE(home.ok());
  CHECK(home->source.find(".kube/config") != std::string::npos);
}
