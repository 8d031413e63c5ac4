#pragma once

#include <string>
#include <vector>

#include "test/support/process.h"

namespace iop::test {

// The cluster started by the CTest fixture (test/cluster/up.sh); its directory comes from the
// IOP_TEST_CLUSTER environment variable. Calls fail the test with a clear message when unset.
std::string clusterDir();
std::string kubeconfigPath();
std::string serverURL();  // https://127.0.0.1:PORT of the test cluster's kube-apiserver

// Runs kubectl against the test cluster as a user would: `kubectl --kubeconfig K args...`.
ProcessResult kubectl(const std::vector<std::string>& args, const std::string& stdinText = "");

// `kubectl args... -o=jsonpath=PATH`'s output, or "" when kubectl fails (e.g. NotFound).
std::string kubectlJsonpath(const std::vector<std::string>& args, const std::string& path);

// A name unique within this test run, e.g. uniqueName("cm") -> "cm-4821-7".
std::string uniqueName(const std::string& prefix);

}  // namespace iop::test
