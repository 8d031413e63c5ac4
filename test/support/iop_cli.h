#pragma once

// The iop binary as a user runs it against the test cluster. Header-only because IOP_BINARY is
// defined per test executable, not for the support library.
#include <fstream>
#include <sstream>
#include <string>
#include <vector>

#include "test/support/cluster.h"

namespace iop::test {

#ifdef IOP_BINARY
// `iop args... --kubeconfig=<test cluster>`, to completion (stdout and stderr interleaved).
inline ProcessResult iopCli(const std::vector<std::string>& args, const std::string& stdinText = "") {
  std::vector<std::string> argv{IOP_BINARY};
  argv.insert(argv.end(), args.begin(), args.end());
  argv.push_back("--kubeconfig=" + kubeconfigPath());
  return run(argv, stdinText);
}
#endif

// A whole file as a string ("" when it cannot be read).
inline std::string readFile(const std::string& path) {
  std::ifstream in(path);
  std::stringstream s;
  s << in.rdbuf();
  return s.str();
}

}  // namespace iop::test
