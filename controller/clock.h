#pragma once

#include <chrono>
#include <condition_variable>
#include <mutex>

namespace iop::controller {

using Duration = std::chrono::nanoseconds;
using TimePoint = std::chrono::steady_clock::time_point;

// The seam through which every timing decision of the controller runtime reads time, so that
// backoff, delays and lease timing are tested without sleeping. Implementations are thread-safe.
class Clock {
 public:
  virtual ~Clock() = default;
  virtual TimePoint now() const = 0;
  // Blocks on cv (lock must hold cv's mutex) until notified, woken spuriously, or deadline on
  // this clock has passed. Like condition_variable::wait_until, callers re-check their
  // predicate in a loop: a return says nothing about why it returned.
  virtual void waitUntil(std::condition_variable& cv, std::unique_lock<std::mutex>& lock,
                         TimePoint deadline) const = 0;
};

// The process's steady clock. The returned object lives forever.
const Clock& realClock();

// A clock that only moves when told to. waitUntil wakes its callers at least every
// millisecond of real time, so a waiter sees an advance() promptly without the clock having
// to know every condition variable in the program.
class FakeClock final : public Clock {
 public:
  explicit FakeClock(TimePoint start = TimePoint{} + std::chrono::hours(1));
  TimePoint now() const override;
  void waitUntil(std::condition_variable& cv, std::unique_lock<std::mutex>& lock,
                 TimePoint deadline) const override;
  void advance(Duration d);
  void set(TimePoint t);

 private:
  mutable std::mutex mu_;
  TimePoint now_;  // guarded by mu_
};

}  // namespace iop::controller
