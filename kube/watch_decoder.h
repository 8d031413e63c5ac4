#pragma once

#include <cstddef>
#include <functional>
#include <string>
#include <string_view>

#include "kube/result.h"
#include "kube/watch.h"

namespace iop::kube {

// Splits a byte stream into newline-terminated lines as chunks arrive: the API server sends one
// JSON watch event per line, and TCP/TLS/chunked framing cuts the stream anywhere. Only the
// unfinished tail is kept between feeds. Not thread-safe (one per stream).
class LineSplitter {
 public:
  // Calls onLine for every complete line in buffered tail + chunk (without the '\n', and
  // without a trailing '\r'); empty lines are skipped. onLine returns false to stop early;
  // then feed returns false and the rest of the chunk is dropped.
  bool feed(std::string_view chunk, const std::function<bool(std::string_view)>& onLine);
  // At end of stream: the unterminated last line, if any (the server normally ends each event
  // with '\n', so this is usually empty).
  std::string takeRemainder();
  std::size_t buffered() const { return tail_.size(); }

 private:
  std::string tail_;
};

// Parses one watch line {"type": "...", "object": {...}}. A Decode error names what is wrong.
Result<WatchEvent> parseWatchEvent(std::string_view line);

}  // namespace iop::kube
