#pragma once

#include <chrono>
#include <cstdint>
#include <functional>
#include <memory>

namespace iop::kube {

// A cancellation signal shared by copies: cancel() on any copy is seen by all. A blocking call
// given a token (a watch stuck in a read, a request waiting for the rate limiter or a retry
// backoff) returns ErrorKind::Cancelled promptly after cancel() from any thread.
// A default-constructed token is a fresh, uncancelled one. Thread-safe.
class CancelToken {
 public:
  CancelToken();

  // Idempotent. Runs the registered callbacks (on the calling thread) the first time.
  void cancel() const;
  bool cancelled() const;

  // For the client's internals: `callback` runs once when the token is cancelled (at once, on
  // this thread, if it already is). Returns an id for removeCallback. The callback must not
  // call back into this token. After removeCallback returns, the callback is not running and
  // will not run.
  std::uint64_t addCallback(std::function<void()> callback) const;
  void removeCallback(std::uint64_t id) const;

 private:
  struct State;
  std::shared_ptr<State> state_;
};

// Sleeps for `duration` or until `cancel` fires, whichever comes first. Returns false when
// cancelled. Blocks the calling thread.
bool sleepFor(std::chrono::nanoseconds duration, const CancelToken& cancel);

}  // namespace iop::kube
