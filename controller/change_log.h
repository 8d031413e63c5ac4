#pragma once

#include <map>
#include <mutex>
#include <string>

namespace iop::controller {

// Remembers, per key, the last text said about it, so a condition that persists across retries
// is logged once, when it starts or changes, not on every retry (a CR the API server keeps
// refusing would otherwise fill the log at the backoff's pace). Thread-safe.
class ChangeLog {
 public:
  // Whether `text` differs from the last text recorded for `key`; records it either way.
  bool changed(const std::string& key, const std::string& text) {
    std::lock_guard lock(mu_);
    auto [it, fresh] = last_.try_emplace(key, text);
    if (fresh) return true;
    if (it->second == text) return false;
    it->second = text;
    return true;
  }
  // Forgets `key` (it recovered): the next text about it is news again.
  void forget(const std::string& key) {
    std::lock_guard lock(mu_);
    last_.erase(key);
  }

 private:
  std::mutex mu_;                            // guards last_
  std::map<std::string, std::string> last_;  // key -> last text recorded
};

}  // namespace iop::controller
