#pragma once

#include <chrono>
#include <optional>
#include <string>
#include <vector>

#include "kube/result.h"

namespace iop::kube {

// Everything needed to reach and authenticate to one API server. Built by loadKubeconfig(),
// loadInClusterConfig() or loadDefaultConfig(), or by hand (tests). A plain value: copy freely.
//
// Credentials are held as PEM bytes (file references in a kubeconfig are read when it is
// loaded), except bearerTokenFile, which the client re-reads while it runs because projected
// service-account tokens rotate.
struct Config {
  // "https://host:port" (a path prefix such as https://host/prefix is honoured). Only https
  // is supported: Client::create rejects other schemes with a Config error.
  std::string server;

  // PEM of the CA bundle that signs the server certificate. Empty: the system trust store.
  std::string caPEM;
  bool insecureSkipTLSVerify = false;
  // Name used for SNI and to verify the server certificate instead of the host of `server`.
  std::string tlsServerName;

  // Client certificate authentication (both or neither).
  std::string clientCertPEM;
  std::string clientKeyPEM;

  // Bearer token authentication. bearerTokenFile wins over bearerToken when both are set
  // (as in client-go); the file is re-read when it changes (see tokenFileCheckInterval).
  std::string bearerToken;
  std::string bearerTokenFile;
  // How often at most the client looks at the token file's mtime/size/contents again.
  std::chrono::milliseconds tokenFileCheckInterval{5000};

  // The namespace of the chosen context (kubeconfig) or of the pod (in-cluster); "default"
  // when neither says. The client does not use it: callers pass namespaces explicitly.
  std::string defaultNamespace = "default";

  // Where this config came from, for messages: "kubeconfig /a/b (context x)", "in-cluster".
  std::string source;

  // Client-side rate limit (token bucket). qps <= 0 disables limiting.
  double qps = 5.0;
  int burst = 10;

  // Per-step deadlines. connectTimeout bounds resolve, connect and the TLS handshake each;
  // requestTimeout bounds write + read of one ordinary request; a watch uses
  // WatchOptions::idleTimeout between bytes instead.
  std::chrono::milliseconds connectTimeout{10000};
  std::chrono::milliseconds requestTimeout{60000};

  std::string userAgent = "iop";
};

// How to find a kubeconfig; mirrors kubectl's --kubeconfig and --context.
struct KubeconfigOptions {
  // --kubeconfig: when set, only this file is read (KUBECONFIG is ignored), as in kubectl.
  std::string path;
  // --context: overrides current-context.
  std::string context;
  // Value to use instead of the KUBECONFIG environment variable (tests); nullopt reads the
  // environment. Colon-separated list of files; missing files are skipped, as kubectl does.
  std::optional<std::string> kubeconfigEnv;
  // Value to use instead of $HOME for the ~/.kube/config fallback (tests); nullopt reads $HOME.
  std::optional<std::string> home;
};

// Loads a kubeconfig the way kubectl does:
//  - files: options.path, else every file of KUBECONFIG (merged: for each map entry such as a
//    cluster, user or context name, and for current-context, the FIRST file that sets it wins),
//    else ~/.kube/config;
//  - relative paths inside a file (certificate-authority, client-certificate, client-key,
//    tokenFile) are resolved against the directory of the file that holds them;
//  - *-data fields win over their file counterparts.
// Errors (ErrorKind::Config) name the file(s), the context and what is missing, e.g.
// `kubeconfig /home/u/.kube/config: context "prod" refers to cluster "p" which is not defined`.
// exec and auth-provider users are not supported and give a Config error naming the user.
// Blocking (reads files). Thread-safe.
Result<Config> loadKubeconfig(const KubeconfigOptions& options = {});

// Where in-cluster credentials live; overridable for tests.
struct InClusterOptions {
  std::string tokenFile = "/var/run/secrets/kubernetes.io/serviceaccount/token";
  std::string caFile = "/var/run/secrets/kubernetes.io/serviceaccount/ca.crt";
  std::string namespaceFile = "/var/run/secrets/kubernetes.io/serviceaccount/namespace";
  // Values to use instead of KUBERNETES_SERVICE_HOST / KUBERNETES_SERVICE_PORT (tests);
  // nullopt reads the environment.
  std::optional<std::string> host;
  std::optional<std::string> port;
};

// In-cluster config: server from KUBERNETES_SERVICE_HOST/PORT (IPv6 hosts bracketed), CA from
// caFile, bearerTokenFile = tokenFile (re-read as it rotates), namespace from namespaceFile.
// Fails with ErrorKind::Config when the variables or files are missing. Blocking. Thread-safe.
Result<Config> loadInClusterConfig(const InClusterOptions& options = {});

// What the operator and the CLI use: an explicit --kubeconfig path, else KUBECONFIG, else
// in-cluster when KUBERNETES_SERVICE_HOST is set, else ~/.kube/config (controller-runtime's
// order). `context` applies to kubeconfig sources only.
Result<Config> loadDefaultConfig(const KubeconfigOptions& options = {},
                                 const InClusterOptions& inCluster = {});

}  // namespace iop::kube
