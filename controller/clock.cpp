#include "controller/clock.h"

namespace iop::controller {

namespace {

class RealClock final : public Clock {
 public:
  TimePoint now() const override { return std::chrono::steady_clock::now(); }
  void waitUntil(std::condition_variable& cv, std::unique_lock<std::mutex>& lock,
                 TimePoint deadline) const override {
    cv.wait_until(lock, deadline);
  }
};

}  // namespace

const Clock& realClock() {
  static const RealClock clock;
  return clock;
}

FakeClock::FakeClock(TimePoint start) : now_(start) {}

TimePoint FakeClock::now() const {
  std::lock_guard lock(mu_);
  return now_;
}

void FakeClock::waitUntil(std::condition_variable& cv, std::unique_lock<std::mutex>& lock,
                          TimePoint deadline) const {
  if (now() >= deadline) return;
  cv.wait_for(lock, std::chrono::milliseconds(1));
}

void FakeClock::advance(Duration d) {
  std::lock_guard lock(mu_);
  now_ += d;
}

void FakeClock::set(TimePoint t) {
  std::lock_guard lock(mu_);
  now_ = t;
}

}  // namespace iop::controller
