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

// How a process run under limits ended.
struct LimitedResult {
  int exitCode = -1;  // when it exited
  int signal = 0;     // when a signal ended it (SIGKILL also when it overran its time)
  bool timedOut = false;
  double seconds = 0;  // wall-clock time it ran
  long maxRssKiB = 0;  // peak resident memory (getrusage of the child)
  std::string out;     // stdout and stderr, interleaved
};

// Runs argv (no shell) with its address space limited to `memoryBytes` (RLIMIT_AS: an
// allocation beyond it fails inside the process, which must handle it) and killed with
// SIGKILL after `seconds` of wall-clock time. stdout and stderr are captured up to 1 MiB; the
// rest is read and dropped. Blocks.
LimitedResult runLimited(const std::vector<std::string>& argv, double seconds, long memoryBytes);

}  // namespace iop::test
