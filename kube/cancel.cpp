#include "kube/cancel.h"

#include <condition_variable>
#include <map>
#include <mutex>
#include <utility>
#include <vector>

namespace iop::kube {

struct CancelToken::State {
  // Guards cancelled, nextId and callbacks. Callbacks run with `running` held instead, so
  // removeCallback can wait for a running callback without holding `mu` (which the
  // callback's own cleanup might need).
  std::mutex mu;
  std::recursive_mutex running;
  bool cancelled = false;
  std::uint64_t nextId = 1;
  std::map<std::uint64_t, std::function<void()>> callbacks;
};

CancelToken::CancelToken() : state_(std::make_shared<State>()) {}

void CancelToken::cancel() const {
  std::lock_guard run(state_->running);
  std::map<std::uint64_t, std::function<void()>> callbacks;
  {
    std::lock_guard lock(state_->mu);
    if (state_->cancelled) return;
    state_->cancelled = true;
    callbacks.swap(state_->callbacks);
  }
  for (auto& [id, cb] : callbacks) cb();
}

bool CancelToken::cancelled() const {
  std::lock_guard lock(state_->mu);
  return state_->cancelled;
}

std::uint64_t CancelToken::addCallback(std::function<void()> callback) const {
  {
    std::lock_guard lock(state_->mu);
    if (!state_->cancelled) {
      auto id = state_->nextId++;
      state_->callbacks.emplace(id, std::move(callback));
      return id;
    }
  }
  callback();
  return 0;
}

void CancelToken::removeCallback(std::uint64_t id) const {
  if (id == 0) return;
  {
    std::lock_guard lock(state_->mu);
    if (state_->callbacks.erase(id) > 0) return;
  }
  // Not registered any more: cancel() took it and may be running it right now; wait for that.
  std::lock_guard run(state_->running);
}

bool sleepFor(std::chrono::nanoseconds duration, const CancelToken& cancel) {
  if (cancel.cancelled()) return false;
  if (duration <= std::chrono::nanoseconds(0)) return true;
  std::mutex m;
  std::condition_variable cv;
  bool woken = false;
  auto id = cancel.addCallback([&] {
    std::lock_guard l(m);
    woken = true;
    cv.notify_all();
  });
  {
    std::unique_lock l(m);
    cv.wait_for(l, duration, [&] { return woken; });
  }
  cancel.removeCallback(id);
  return !cancel.cancelled();
}

}  // namespace iop::kube
