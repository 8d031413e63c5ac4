#pragma once

#include <string>
#include <vector>

namespace iop::test {

struct ProcessResult {
  int exitCode = -1;
  std::string out;  // stdout and stderr, interleaved as written
};

// Runs argv (no shell) to completion and returns its exit code and output: stdout and stderr
// interleaved, or stdout alone (stderr dropped) when !withStderr, for output that is parsed.
// Blocks.
ProcessResult run(const std::vector<std::string>& argv, const std::string& stdinText = "",
                  bool withStderr = true);

}  // namespace iop::test
