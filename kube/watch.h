#pragma once

#include <chrono>
#include <functional>
#include <nlohmann/json.hpp>
#include <optional>
#include <string>

#include "kube/cancel.h"
#include "kube/errors.h"

namespace iop::kube {

// One event of a watch stream.
struct WatchEvent {
  enum class Type { Added, Modified, Deleted, Bookmark, Error };
  Type type = Type::Added;
  // The object; for Bookmark only apiVersion, kind and metadata.resourceVersion are
  // meaningful; for Error a metav1.Status.
  nlohmann::json object;
};

const char* toString(WatchEvent::Type type);  // "ADDED", "MODIFIED", ...

struct WatchOptions {
  // Where to start: the resourceVersion of a list (the usual list-then-watch) or the last one a
  // previous watch returned. Empty means "from now with the server's own start semantics",
  // which sends synthetic ADDED events for existing objects: prefer a list's version.
  std::string resourceVersion;
  std::string labelSelector;
  std::string fieldSelector;
  bool allowBookmarks = true;
  // Server-side duration after which the API server ends the watch cleanly (End::Closed).
  // 0 leaves it to the server (which picks a random 30-60 min).
  int timeoutSeconds = 300;
  // Longest silence tolerated between bytes of the stream before the watch fails with a
  // Transport error at step "read". Must exceed the bookmark period (~1 min) to be useful.
  std::chrono::milliseconds idleTimeout{std::chrono::seconds(120)};
  // Fire from any thread to end the watch promptly (End::Cancelled), even mid-read.
  CancelToken cancel;
};

// What the handler says after each event.
enum class WatchControl { Continue, Stop };
// Called on the watching thread for every event, in stream order, including Bookmark.
// ERROR events are not passed to the handler: they end the watch (Gone or Failed).
using WatchHandler = std::function<WatchControl(const WatchEvent&)>;

// How a watch ended. In every case `resourceVersion` is the last version seen (from any event
// including bookmarks), or the one the watch started from when none was seen: resume from it
// with a new watch, except after Gone.
struct WatchResult {
  enum class End {
    Closed,     // the server ended the stream (timeoutSeconds, apiserver shutdown): resume
    Gone,       // 410 / "too old resource version": relist, then watch from the list's version
    Stopped,    // the handler returned Stop
    Cancelled,  // options.cancel fired or the client was shut down
    Failed,     // transport or API error: see `error`; usually resume after a backoff
  };
  End end = End::Closed;
  std::string resourceVersion;
  std::optional<Error> error;  // set for Failed (and for Gone, with the server's Status)
};

const char* toString(WatchResult::End end);

}  // namespace iop::kube
