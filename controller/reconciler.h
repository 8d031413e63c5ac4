#pragma once

#include <string>
#include <utility>

#include "controller/clock.h"
#include "controller/request.h"

namespace iop::controller {

// The outcome of one reconcile, which the worker turns into one queue operation:
//   done            -> forget the key's backoff
//   requeueAfter(t) -> forget the backoff, reconcile again after t
//   error(msg)      -> transient: reconcile again after the key's backoff
//   terminal(msg)   -> will not succeed by retrying (e.g. invalid spec): forget, log
class Result {
 public:
  enum class Kind { Done, RequeueAfter, Error, TerminalError };

  static Result done() { return Result(Kind::Done, Duration::zero(), {}); }
  static Result requeueAfter(Duration after) { return Result(Kind::RequeueAfter, after, {}); }
  static Result error(std::string message) {
    return Result(Kind::Error, Duration::zero(), std::move(message));
  }
  static Result terminal(std::string message) {
    return Result(Kind::TerminalError, Duration::zero(), std::move(message));
  }

  Kind kind() const { return kind_; }
  Duration after() const { return after_; }                // for RequeueAfter
  const std::string& message() const { return message_; }  // for the errors

 private:
  Result(Kind kind, Duration after, std::string message)
      : kind_(kind), after_(after), message_(std::move(message)) {}
  Kind kind_;
  Duration after_;
  std::string message_;
};

// The one interface a controller's domain logic implements. reconcile() is called from several
// worker threads at once, but never for the same Request at the same time; it may block (it
// talks to the API server) and may throw, which counts as a transient error.
class Reconciler {
 public:
  virtual ~Reconciler() = default;
  virtual Result reconcile(const Request& request) = 0;
};

}  // namespace iop::controller
