#include "kube/token_source.h"

#include "kube/files.h"

namespace iop::kube {

TokenSource::TokenSource(std::string staticToken, std::string file, std::chrono::milliseconds checkInterval,
                         Clock clock)
    : static_(std::move(staticToken)),
      file_(std::move(file)),
      interval_(checkInterval),
      clock_(std::move(clock)) {}

Result<std::string> TokenSource::token() {
  if (file_.empty()) return static_;
  std::lock_guard lock(mu_);
  auto now = clock_();
  if (haveCached_ && now < nextCheck_) return cached_;
  auto content = files::read(file_);
  nextCheck_ = now + interval_;
  if (!content) {
    if (haveCached_) return cached_;
    return Error::config("bearer token file: " + content.error().message);
  }
  std::string t = *content;
  auto isSpace = [](char c) { return c == ' ' || c == '\n' || c == '\r' || c == '\t'; };
  while (!t.empty() && isSpace(t.back())) t.pop_back();
  std::size_t start = 0;
  while (start < t.size() && isSpace(t[start])) ++start;
  cached_ = t.substr(start);
  haveCached_ = true;
  return cached_;
}

void TokenSource::invalidate() {
  std::lock_guard lock(mu_);
  nextCheck_ = {};
}

}  // namespace iop::kube
