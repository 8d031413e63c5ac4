// Client::watch: a streaming GET ?watch=true decoded line by line as bytes arrive.
#include "kube/client_impl.h"
#include "kube/watch_decoder.h"

namespace iop::kube {

namespace {

std::string resourceVersionOf(const json& object) {
  auto m = object.find("metadata");
  if (m == object.end() || !m->is_object()) return "";
  auto v = m->find("resourceVersion");
  return v != m->end() && v->is_string() ? v->get<std::string>() : "";
}

}  // namespace

WatchResult Client::watch(const TypeRef& type, std::string_view ns, const WatchOptions& options,
                          const WatchHandler& handler) {
  WatchResult result;
  result.resourceVersion = options.resourceVersion;
  auto failed = [&](Error e) {
    result.end = isCancelled(e) ? WatchResult::End::Cancelled : WatchResult::End::Failed;
    result.error = std::move(e);
    return result;
  };

  auto path = impl_->collectionPath(type, ns, options.cancel);
  if (!path) return failed(path.error());
  std::string query = "watch=true";
  auto add = [&](const char* key, const std::string& value) {
    if (!value.empty()) query += std::string("&") + key + "=" + urlEncode(value);
  };
  add("resourceVersion", options.resourceVersion);
  add("labelSelector", options.labelSelector);
  add("fieldSelector", options.fieldSelector);
  if (options.allowBookmarks) add("allowWatchBookmarks", "true");
  if (options.timeoutSeconds > 0) add("timeoutSeconds", std::to_string(options.timeoutSeconds));

  LinkedCancel linked(options.cancel, impl_->shutdownToken);
  const auto& cancel = linked.token();
  http::Request req;
  req.method = "GET";
  req.target = *path + "?" + query;
  req.accept = "application/json";

  for (int attempt = 0;; ++attempt) {
    if (auto ok = impl_->limiter.acquire(cancel); !ok) return failed(ok.error());
    auto auth = impl_->authorization();
    if (!auth) return failed(auth.error());
    req.authorization = *auth;

    bool headersArrived = false;
    std::optional<WatchResult::End> decided;
    std::optional<Error> decidedError;
    LineSplitter splitter;
    auto start = std::chrono::steady_clock::now();
    auto onHeaders = [&](int status) {
      headersArrived = true;
      impl_->observe("WATCH", status, start);
    };
    auto onLine = [&](std::string_view line) {
      auto ev = parseWatchEvent(line);
      if (!ev) {
        decided = WatchResult::End::Failed;
        decidedError = ev.error();
        decidedError->method = "WATCH";
        decidedError->path = *path;
        return false;
      }
      if (ev->type == WatchEvent::Type::Error) {
        decidedError = Error::fromStatus(ev->object, "WATCH", *path);
        decided = isGone(*decidedError) ? WatchResult::End::Gone : WatchResult::End::Failed;
        return false;
      }
      auto rv = resourceVersionOf(ev->object);
      if (!rv.empty()) result.resourceVersion = rv;
      if (handler(*ev) == WatchControl::Stop) {
        decided = WatchResult::End::Stopped;
        return false;
      }
      return true;
    };
    auto r = impl_->transport->stream(req, cancel, options.idleTimeout, onHeaders,
                                      [&](std::string_view chunk) { return splitter.feed(chunk, onLine); });
    if (decided) {
      result.end = *decided;
      result.error = std::move(decidedError);
      return result;
    }
    std::optional<std::chrono::seconds> retryAfter;
    if (!r) {
      if (!headersArrived) impl_->observe("WATCH", 0, start);
      Error e = r.error();
      e.method = "WATCH";
      e.path = *path;
      // Once the stream delivered events, the caller resumes from its resourceVersion; before
      // that, setting up the watch is a GET and is retried like one.
      if (isCancelled(e) || headersArrived || !impl_->retry.retryable(e, true) ||
          attempt >= impl_->retry.maxRetries)
        return failed(std::move(e));
    } else if (r->status >= 200 && r->status < 300) {
      // The server ended the body: timeoutSeconds elapsed or it is shutting down.
      if (auto rest = splitter.takeRemainder(); !rest.empty()) onLine(rest);
      if (decided) {
        result.end = *decided;
        result.error = std::move(decidedError);
        return result;
      }
      result.end = WatchResult::End::Closed;
      return result;
    } else {
      impl_->observe("WATCH", r->status, start);
      Error e = Error::fromResponse(r->status, r->body, "WATCH", *path);
      e.retryAfter = r->retryAfter;
      if (isGone(e)) {
        result.end = WatchResult::End::Gone;
        result.error = std::move(e);
        return result;
      }
      if (r->status == 401 && impl_->tokens.fromFile() && attempt == 0) {
        impl_->tokens.invalidate();
        continue;
      }
      if (!impl_->retry.retryable(e, true) || attempt >= impl_->retry.maxRetries) return failed(std::move(e));
      retryAfter = r->retryAfter;
    }
    if (!sleepFor(impl_->backoff(attempt, retryAfter), cancel))
      return failed(Error::cancelled("watch cancelled during retry backoff"));
  }
}

}  // namespace iop::kube
