#pragma once

#include <CLI/CLI.hpp>
#include <memory>
#include <string>

#include "kube/client.h"

// The flags every verb that talks to a cluster shares (--kubeconfig, --context), and turning
// them into a client. Errors are printed for the user; callers only map them to an exit code.
namespace iop::cmd {

struct ClusterFlags {
  std::string kubeconfig;
  std::string context;
};

// Adds --kubeconfig/-c and --context to `cmd`, bound to `flags` (which must outlive parsing).
void addClusterFlags(CLI::App& cmd, ClusterFlags& flags);

// The client-side rate limit of the requests a verb sends (a token bucket).
struct RateLimits {
  double qps = 50;  // a CLI run applies tens of objects in a row; client-go's 5 would crawl
  int burst = 100;
};

// Loads the config like kubectl (--kubeconfig, KUBECONFIG, in-cluster, ~/.kube/config) and
// builds a client with the given rate limits. On failure prints why (which file, which context)
// to stderr and returns null.
std::unique_ptr<kube::Client> connect(const ClusterFlags& flags, RateLimits limits = {});

// Exit codes shared by every verb, documented in each --help.
inline constexpr int kExitOK = 0;
inline constexpr int kExitFailed = 1;    // the cluster refused or an operation failed
inline constexpr int kExitBadInput = 2;  // bad flags or files: nothing was changed

inline constexpr const char* kExitCodesHelp =
    "Exit codes: 0 success, 1 a cluster operation failed, 2 bad flags or input (nothing changed).";

// Asks "question [y/N]" on the terminal unless `yes`; false on anything but y/yes, and on EOF
// (no terminal, as in CI), after saying that -y skips the question.
bool confirm(const std::string& question, bool yes);

}  // namespace iop::cmd
