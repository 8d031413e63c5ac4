#pragma once

#include <chrono>
#include <mutex>
#include <string>

#include "kube/clock.h"
#include "kube/result.h"

namespace iop::kube {

// The bearer token a client sends: a fixed one, or the contents of a file that is re-read
// while the process runs (projected service-account tokens rotate about hourly; kubelet
// replaces the file). The file is looked at again at most every `checkInterval`; if a re-read
// fails, the last good token keeps being used. Thread-safe.
class TokenSource {
 public:
  TokenSource(std::string staticToken, std::string file, std::chrono::milliseconds checkInterval,
              Clock clock = steadyClock());

  // The current token ("" when there is none). Blocking only for a small file read.
  // Fails only when the file has never been readable.
  Result<std::string> token();

  // Makes the next token() re-read the file regardless of the interval (after a 401).
  void invalidate();

  bool fromFile() const { return !file_.empty(); }

 private:
  const std::string static_;
  const std::string file_;
  const std::chrono::milliseconds interval_;
  Clock clock_;
  std::mutex mu_;  // guards the fields below
  std::string cached_;
  bool haveCached_ = false;
  std::chrono::steady_clock::time_point nextCheck_{};
};

}  // namespace iop::kube
