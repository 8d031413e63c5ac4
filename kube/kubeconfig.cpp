// Kubeconfig loading with kubectl's merge rules (k8s.io/client-go/tools/clientcmd/loader.go):
// for every named cluster, user and context, and for current-context, the first file of
// KUBECONFIG that sets it wins; file references are relative to the file that holds them.
#include <sys/stat.h>
#include <yaml-cpp/yaml.h>

#include <cstdlib>
#include <map>
#include <vector>

#include "kube/config.h"
#include "kube/files.h"

namespace iop::kube {

namespace {

struct Entry {
  YAML::Node node;   // the inner map: the "cluster", "user" or "context" value
  std::string file;  // the file that defined it, for messages and relative paths
};

struct Merged {
  std::vector<std::string> files;  // the files actually read, in order
  std::map<std::string, Entry> clusters, users, contexts;
  std::string currentContext;
  std::string currentContextFile;
};

bool exists(const std::string& path) {
  struct stat st {};
  return ::stat(path.c_str(), &st) == 0;
}

std::string joinFiles(const std::vector<std::string>& files) {
  std::string out;
  for (const auto& f : files) out += (out.empty() ? "" : ", ") + f;
  return out;
}

std::string scalar(const YAML::Node& map, const char* key) {
  if (!map || !map.IsMap()) return "";
  auto v = map[key];
  if (!v || !v.IsScalar()) return "";
  return v.Scalar();
}

Result<void> mergeFile(const std::string& file, Merged& merged) {
  auto text = files::read(file);
  if (!text) return Error::config("kubeconfig " + file + ": " + text.error().message);
  YAML::Node root;
  try {
    root = YAML::Load(*text);
  } catch (const YAML::Exception& e) {
    return Error::config("kubeconfig " + file + ": not valid YAML: " + e.what());
  }
  merged.files.push_back(file);
  if (!root || root.IsNull()) return {};  // an empty file contributes nothing, as in kubectl
  if (!root.IsMap()) return Error::config("kubeconfig " + file + ": top level is not a map");
  auto section = [&](const char* list, const char* inner,
                     std::map<std::string, Entry>& into) -> Result<void> {
    auto items = root[list];
    if (!items || items.IsNull()) return {};
    if (!items.IsSequence()) return Error::config("kubeconfig " + file + ": \"" + list + "\" is not a list");
    for (const auto& item : items) {
      auto name = scalar(item, "name");
      if (name.empty())
        return Error::config("kubeconfig " + file + ": an entry of \"" + list + "\" has no name");
      if (into.count(name)) continue;  // an earlier file wins
      auto value = item[inner];
      into.emplace(name, Entry{value ? value : YAML::Node(YAML::NodeType::Map), file});
    }
    return {};
  };
  try {
    if (auto r = section("clusters", "cluster", merged.clusters); !r) return r;
    if (auto r = section("users", "user", merged.users); !r) return r;
    if (auto r = section("contexts", "context", merged.contexts); !r) return r;
    auto current = scalar(root, "current-context");
    if (merged.currentContext.empty() && !current.empty()) {
      merged.currentContext = current;
      merged.currentContextFile = file;
    }
  } catch (const YAML::Exception& e) {
    return Error::config("kubeconfig " + file + ": " + e.what());
  }
  return {};
}

// Reads `<key>-data` (base64) or `<key>` (a file path, relative to the defining file).
// Returns "" when neither is set.
Result<std::string> pemFrom(const Entry& entry, const std::string& key, const std::string& what) {
  auto data = scalar(entry.node, (key + "-data").c_str());
  if (!data.empty()) {
    auto decoded = files::base64Decode(data);
    if (!decoded) return Error::config(what + ": " + key + "-data: " + decoded.error().message);
    return *decoded;
  }
  auto path = scalar(entry.node, key.c_str());
  if (path.empty()) return std::string();
  auto content = files::read(files::resolve(files::dirOf(entry.file), path));
  if (!content) return Error::config(what + ": " + key + ": " + content.error().message);
  return *content;
}

std::vector<std::string> splitList(const std::string& list) {
  std::vector<std::string> out;
  std::string::size_type start = 0;
  while (start <= list.size()) {
    auto colon = list.find(':', start);
    if (colon == std::string::npos) colon = list.size();
    auto part = list.substr(start, colon - start);
    if (!part.empty()) out.push_back(part);
    start = colon + 1;
  }
  return out;
}

std::string knownNames(const std::map<std::string, Entry>& m) {
  std::string out;
  for (const auto& [name, e] : m) out += (out.empty() ? "" : ", ") + name;
  return out.empty() ? "none" : out;
}

}  // namespace

Result<Config> loadKubeconfig(const KubeconfigOptions& options) {
  std::vector<std::string> candidates;
  bool mustExist = false;
  std::string origin;
  if (!options.path.empty()) {
    candidates.push_back(options.path);
    mustExist = true;
    origin = "--kubeconfig " + options.path;
  } else {
    std::string env;
    if (options.kubeconfigEnv) {
      env = *options.kubeconfigEnv;
    } else if (const char* e = std::getenv("KUBECONFIG")) {
      env = e;
    }
    candidates = splitList(env);
    origin = "KUBECONFIG=" + env;
    if (candidates.empty()) {
      std::string home;
      if (options.home) {
        home = *options.home;
      } else if (const char* h = std::getenv("HOME")) {
        home = h;
      }
      candidates.push_back(home + "/.kube/config");
      origin = candidates.back();
    }
  }

  Merged merged;
  for (const auto& file : candidates) {
    if (!exists(file)) {
      if (mustExist) return Error::config("kubeconfig " + file + ": file does not exist");
      continue;  // kubectl skips missing KUBECONFIG entries
    }
    if (auto r = mergeFile(file, merged); !r) return r.error();
  }
  if (merged.files.empty()) return Error::config("no kubeconfig found (" + origin + ")");
  const std::string allFiles = joinFiles(merged.files);

  std::string contextName = options.context.empty() ? merged.currentContext : options.context;
  if (contextName.empty())
    return Error::config("kubeconfig " + allFiles + ": no current-context is set and no context was given");
  auto ctx = merged.contexts.find(contextName);
  if (ctx == merged.contexts.end())
    return Error::config("kubeconfig " + allFiles + ": context \"" + contextName +
                         "\" is not defined (defined: " + knownNames(merged.contexts) + ")");
  const std::string where = "kubeconfig " + ctx->second.file + ": context \"" + contextName + "\"";

  auto clusterName = scalar(ctx->second.node, "cluster");
  if (clusterName.empty()) return Error::config(where + " names no cluster");
  auto cluster = merged.clusters.find(clusterName);
  if (cluster == merged.clusters.end())
    return Error::config(where + " refers to cluster \"" + clusterName + "\" which is not defined in " +
                         allFiles);

  Config config;
  config.source = "kubeconfig " + allFiles + " (context " + contextName + ")";
  const std::string clusterWhat = where + ", cluster \"" + clusterName + "\" (" + cluster->second.file + ")";
  config.server = scalar(cluster->second.node, "server");
  if (config.server.empty()) return Error::config(clusterWhat + " has no server");
  while (!config.server.empty() && config.server.back() == '/') config.server.pop_back();
  config.tlsServerName = scalar(cluster->second.node, "tls-server-name");
  config.insecureSkipTLSVerify = scalar(cluster->second.node, "insecure-skip-tls-verify") == "true";
  auto ca = pemFrom(cluster->second, "certificate-authority", clusterWhat);
  if (!ca) return ca.error();
  config.caPEM = *ca;
  // As client-go: skipping verification would silently ignore the CA the file also gives.
  if (config.insecureSkipTLSVerify && !config.caPEM.empty())
    return Error::config(
        clusterWhat +
        " sets insecure-skip-tls-verify together with a certificate authority: the CA would be "
        "ignored, so this is refused (as kubectl does); remove one of them");

  auto ns = scalar(ctx->second.node, "namespace");
  if (!ns.empty()) config.defaultNamespace = ns;

  auto userName = scalar(ctx->second.node, "user");
  if (!userName.empty()) {
    auto user = merged.users.find(userName);
    if (user == merged.users.end())
      return Error::config(where + " refers to user \"" + userName + "\" which is not defined in " +
                           allFiles);
    const std::string userWhat = where + ", user \"" + userName + "\" (" + user->second.file + ")";
    const auto& u = user->second.node;
    if (u && u.IsMap() && (u["exec"] || u["auth-provider"]))
      return Error::config(userWhat +
                           " uses an exec or auth-provider plugin, which iop does not support; "
                           "use a client certificate or a token");
    auto cert = pemFrom(user->second, "client-certificate", userWhat);
    if (!cert) return cert.error();
    auto key = pemFrom(user->second, "client-key", userWhat);
    if (!key) return key.error();
    if (cert->empty() != key->empty())
      return Error::config(userWhat + " has a client " +
                           (cert->empty() ? "key but no certificate" : "certificate but no key"));
    config.clientCertPEM = *cert;
    config.clientKeyPEM = *key;
    config.bearerToken = scalar(u, "token");
    auto tokenFile = scalar(u, "tokenFile");
    if (!tokenFile.empty()) {
      config.bearerTokenFile = files::resolve(files::dirOf(user->second.file), tokenFile);
      if (!exists(config.bearerTokenFile))
        return Error::config(userWhat + ": tokenFile \"" + config.bearerTokenFile + "\" does not exist");
    }
    if (!scalar(u, "username").empty() && config.bearerToken.empty() && config.bearerTokenFile.empty() &&
        config.clientCertPEM.empty())
      return Error::config(userWhat + " uses basic authentication, which iop does not support");
  }
  return config;
}

Result<Config> loadInClusterConfig(const InClusterOptions& options) {
  std::string host, port;
  if (options.host) {
    host = *options.host;
  } else if (const char* h = std::getenv("KUBERNETES_SERVICE_HOST")) {
    host = h;
  }
  if (options.port) {
    port = *options.port;
  } else if (const char* p = std::getenv("KUBERNETES_SERVICE_PORT")) {
    port = p;
  }
  if (host.empty() || port.empty())
    return Error::config(
        "in-cluster config: KUBERNETES_SERVICE_HOST and KUBERNETES_SERVICE_PORT must be set "
        "(not running in a pod?)");
  Config config;
  config.source = "in-cluster";
  config.server = "https://" + (host.find(':') != std::string::npos ? "[" + host + "]" : host) + ":" + port;
  auto token = files::read(options.tokenFile);
  if (!token) return Error::config("in-cluster config: service account token: " + token.error().message);
  config.bearerTokenFile = options.tokenFile;
  auto ca = files::read(options.caFile);
  if (!ca) return Error::config("in-cluster config: service account CA: " + ca.error().message);
  config.caPEM = *ca;
  if (auto ns = files::read(options.namespaceFile); ns && !ns->empty()) {
    std::string n = *ns;
    while (!n.empty() && (n.back() == '\n' || n.back() == ' ')) n.pop_back();
    if (!n.empty()) config.defaultNamespace = n;
  }
  return config;
}

Result<Config> loadDefaultConfig(const KubeconfigOptions& options, const InClusterOptions& inCluster) {
  if (!options.path.empty()) return loadKubeconfig(options);
  std::string env;
  if (options.kubeconfigEnv) {
    env = *options.kubeconfigEnv;
  } else if (const char* e = std::getenv("KUBECONFIG")) {
    env = e;
  }
  if (!env.empty()) return loadKubeconfig(options);
  std::string host;
  if (inCluster.host) {
    host = *inCluster.host;
  } else if (const char* h = std::getenv("KUBERNETES_SERVICE_HOST")) {
    host = h;
  }
  if (!host.empty()) return loadInClusterConfig(inCluster);
  return loadKubeconfig(options);
}

}  // namespace iop::kube
