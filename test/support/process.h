#pragma once

#include <string>
#include <vector>

namespace iop::test {

struct ProcessResult {
  int exitCode = -1;
  std::string out;  // stdout and stderr, interleaved as written
};

// Runs argv (no shell) to completion and returns its exit code and combined output. Blocks.
ProcessResult run(const std::vector<std::string>& argv, const std::string& stdinText = "");

}  // namespace iop::test
