#pragma once

#include <map>
#include <memory>
#include <mutex>
#include <string>
#include <vector>

#include "kube/client.h"
#include "kube/http_transport.h"
#include "kube/rate_limiter.h"
#include "kube/request_metrics.h"
#include "kube/retry_policy.h"
#include "kube/token_source.h"

// The Client's shared state and request pipeline (internal to kube/).
namespace iop::kube {

// A token that fires when either of two others does, for one call: the caller's and the
// client's shutdown token. Unlinks on destruction.
class LinkedCancel {
 public:
  LinkedCancel(const CancelToken& a, const CancelToken& b);
  ~LinkedCancel();
  LinkedCancel(const LinkedCancel&) = delete;
  LinkedCancel& operator=(const LinkedCancel&) = delete;
  const CancelToken& token() const { return combined_; }

 private:
  CancelToken a_, b_, combined_;
  std::uint64_t idA_, idB_;
};

// Percent-encodes a query value or a path segment.
std::string urlEncode(std::string_view s);

struct Client::Impl {
  Impl(Config c, ClientOptions o, std::unique_ptr<http::Transport> t);

  Config config;
  ClientOptions options;
  std::unique_ptr<http::Transport> transport;
  TokenBucket limiter;
  TokenSource tokens;
  RequestMetrics metrics;
  CancelToken shutdownToken;
  RetryPolicy retry;

  // Discovery cache: "group/version" -> resources served there. Guards discovery only.
  std::mutex discoveryMu;
  // Held across a discovery fetch: informers starting together all miss at once, and the ones
  // that wait must see the fetch's result rather than a half-filled cache.
  std::mutex discoveryRefreshMu;
  std::map<std::string, std::vector<ResourceInfo>> discovered;
  // When "/api" or "/apis" was last fetched: a miss refetches at most once a second, so a kind
  // that is simply not installed does not turn every call into a discovery download.
  std::map<std::string, std::chrono::steady_clock::time_point> lastDiscovery;

  // Sends one request through rate limiting, auth, retries and metrics; non-2xx becomes an
  // Error (with method and path). `idempotent` allows retries of failures after sending.
  Result<http::Response> execute(const std::string& method, const std::string& path, const std::string& query,
                                 const std::string& body, const std::string& contentType,
                                 const std::string& accept, const CancelToken& cancel, bool idempotent);

  // Delay before retry `attempt` (0-based), honouring Retry-After.
  std::chrono::nanoseconds backoff(int attempt, const std::optional<std::chrono::seconds>& retryAfter) const;
  Result<std::string> authorization();
  void observe(const std::string& method, int code, std::chrono::steady_clock::time_point start);

  // The collection path for a type in a namespace, resolving kinds through discovery (whose
  // requests `cancel` cuts short, like the call's own). With forObject, a namespaced kind
  // without a namespace is an Invalid error.
  Result<std::string> collectionPath(const TypeRef& type, std::string_view ns, const CancelToken& cancel,
                                     bool forObject = false);
  Result<std::string> objectPath(const TypeRef& type, std::string_view ns, std::string_view name,
                                 const std::string& subresource, const CancelToken& cancel);

  Result<ResourceInfo> resolve(const GroupVersionKind& gvk, const CancelToken& cancel);
  Result<void> refreshDiscovery(const GroupVersionKind& gvk, const CancelToken& cancel);
};

}  // namespace iop::kube
