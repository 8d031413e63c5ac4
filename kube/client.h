#pragma once

#include <chrono>
#include <cstdint>
#include <map>
#include <memory>
#include <nlohmann/json.hpp>
#include <optional>
#include <string>
#include <string_view>

#include "kube/cancel.h"
#include "kube/clock.h"
#include "kube/config.h"
#include "kube/request_metrics.h"
#include "kube/resource.h"
#include "kube/result.h"
#include "kube/watch.h"

namespace iop::kube {

using json = nlohmann::json;

struct GetOptions {
  std::string resourceVersion;  // "" = most recent (quorum read); "0" = any cached version
  std::string subresource;      // e.g. "status", "scale"
  CancelToken cancel;
};

struct ListOptions {
  std::string labelSelector;
  std::string fieldSelector;
  std::int64_t limit = 0;     // page size; 0 = everything in one response
  std::string continueToken;  // metadata.continue of the previous page
  std::string resourceVersion;
  std::string resourceVersionMatch;  // "NotOlderThan" / "Exact" (with resourceVersion)
  CancelToken cancel;
};

// For create and update (PUT).
struct WriteOptions {
  std::string fieldManager;  // recorded in managedFields; empty lets the server pick
  bool dryRun = false;       // dryRun=All: validated and admitted, not persisted
  // update: "status" writes the status subresource. create: POSTs to that subresource of the
  // object named by the body's metadata.name (e.g. "eviction" on a pod).
  std::string subresource;
  CancelToken cancel;
};

struct PatchOptions {
  std::string fieldManager;
  bool dryRun = false;
  std::string subresource;
  CancelToken cancel;
};

// Server-side apply (PATCH with application/apply-patch+yaml).
struct ApplyOptions {
  std::string fieldManager;  // required: the identity that owns the applied fields
  bool force = false;        // take ownership of fields other managers own instead of Conflict
  bool dryRun = false;
  std::string subresource;  // "status" to apply status
  CancelToken cancel;
};

struct DeleteOptions {
  std::string propagationPolicy;  // "", "Foreground", "Background" or "Orphan"
  std::optional<std::string> preconditionUID;
  std::optional<std::string> preconditionResourceVersion;
  std::optional<std::int64_t> gracePeriodSeconds;
  bool dryRun = false;
  CancelToken cancel;
};

// A request the typed verbs do not cover (e.g. POST .../serviceaccounts/NAME/token).
struct RawRequest {
  std::string method = "GET";
  std::string path;   // absolute API path, e.g. "/api/v1/namespaces/a/serviceaccounts/b/token"
  std::string query;  // already encoded, without '?': "limit=5&labelSelector=a%3Db"
  std::string body;
  std::string contentType = "application/json";
  std::string accept = "application/json";
  CancelToken cancel;
};

struct RawResponse {
  int status = 0;
  std::string body;
  std::string contentType;
};

// Seams and knobs, with defaults fit for production.
struct ClientOptions {
  Clock clock = steadyClock();  // for rate limiting and token-file checks
  // Idle keep-alive connections kept per client; more may be open concurrently.
  int maxIdleConnections = 8;
  // Retries of safe requests (see Client) after the first attempt, with exponential backoff
  // from retryInitialBackoff, capped at retryMaxBackoff; a Retry-After header overrides it
  // (capped at retryAfterCap).
  int maxRetries = 4;
  std::chrono::milliseconds retryInitialBackoff{100};
  std::chrono::milliseconds retryMaxBackoff{5000};
  std::chrono::seconds retryAfterCap{30};
  RequestObserver observer;  // optional, called for every HTTP exchange
};

// A Kubernetes API client for one server and identity.
//
// Thread-safety: every member function may be called from any number of threads at once.
// Blocking: every verb blocks the calling thread until the response, an error, the deadline
// (Config::connectTimeout per connection step, Config::requestTimeout per request) or
// cancellation; watch() blocks until the stream ends.
// Retries: GET/LIST and watch setup are retried with backoff on transport errors, 429 and
// 5xx; writes (POST/PUT/PATCH/DELETE) only on 429 (the server did not process the request)
// and on transport failures that happened before the request was sent. Every verb first takes
// a token from the rate limiter (Config::qps/burst).
// Lifetime: the Client must outlive all calls on it. shutdown() cancels everything in flight.
// Nothing starts a thread: the only threads are the callers'.
class Client {
 public:
  // Validates the config (server URL, PEM material) and builds the TLS context. No network.
  static Result<std::unique_ptr<Client>> create(Config config, ClientOptions options = {});
  ~Client();
  Client(const Client&) = delete;
  Client& operator=(const Client&) = delete;

  const Config& config() const;

  // GET one object. NotFound when absent.
  Result<json> get(const TypeRef& type, std::string_view ns, std::string_view name,
                   const GetOptions& options = {});

  // One page of a LIST: the List object (items, metadata.resourceVersion, metadata.continue).
  // ns empty lists across all namespaces (or a cluster-scoped type).
  Result<json> list(const TypeRef& type, std::string_view ns, const ListOptions& options = {});

  // Follows metadata.continue until the end and returns one List holding every item, with the
  // metadata.resourceVersion of the snapshot (use it to start a watch). options.limit is the
  // page size (0 = one request). Gone when a continue token expired midway: call again.
  Result<json> listAll(const TypeRef& type, std::string_view ns, const ListOptions& options = {});

  // POST. The object's metadata.namespace, when set, must match ns. AlreadyExists when taken.
  Result<json> create(const TypeRef& type, std::string_view ns, const json& object,
                      const WriteOptions& options = {});

  // PUT of a full object; metadata.resourceVersion, when set, is an optimistic lock (Conflict
  // when stale). With options.subresource = "status" writes status only.
  Result<json> update(const TypeRef& type, std::string_view ns, std::string_view name, const json& object,
                      const WriteOptions& options = {});

  // DELETE. Returns what the server answered: the deleted object (or one with a
  // deletionTimestamp, with finalizers) or a Status. NotFound when absent; Conflict when a
  // precondition does not hold.
  Result<json> remove(const TypeRef& type, std::string_view ns, std::string_view name,
                      const DeleteOptions& options = {});

  // JSON merge patch (RFC 7386; application/merge-patch+json).
  Result<json> mergePatch(const TypeRef& type, std::string_view ns, std::string_view name, const json& patch,
                          const PatchOptions& options = {});

  // Server-side apply of `object`, which must carry apiVersion, kind, metadata.name (and
  // metadata.namespace for namespaced kinds): type, namespace and name are taken from it.
  // Conflict (409, causes list the fields and their managers) when another manager owns a
  // field with a different value and !options.force. Invalid without options.fieldManager.
  Result<json> apply(const json& object, const ApplyOptions& options);
  // Same, but addressed explicitly (for objects that omit apiVersion/kind, or by resource).
  Result<json> apply(const TypeRef& type, std::string_view ns, std::string_view name, const json& object,
                     const ApplyOptions& options);

  // Streams a watch, calling `handler` for each event as it arrives (no buffering of the
  // stream). Blocks until the server ends the stream, the handler says Stop, options.cancel
  // fires, the client shuts down, or an error. Never throws; see WatchResult for how to resume.
  // The watch request itself is retried like a GET until its response headers arrive.
  WatchResult watch(const TypeRef& type, std::string_view ns, const WatchOptions& options,
                    const WatchHandler& handler);

  // Discovery: the resource for a kind, cached; on a miss the discovery documents are fetched
  // again (at most once a second), so kinds installed after start (CRDs) are found. An Api
  // error with reason "NoKindMatch" (isNoKindMatch) when the server does not serve that kind;
  // verbs addressed by an unknown kind fail the same way.
  Result<ResourceInfo> resolve(const GroupVersionKind& gvk);
  // Forgets the cached discovery documents (next resolve fetches them).
  void invalidateDiscovery();

  // Any request, through the same auth, rate limiting, retries (for GET) and metrics. Non-2xx
  // statuses come back as an Error parsed from the body.
  Result<RawResponse> request(const RawRequest& request);

  // Requests counted by method and HTTP code since creation (code 0: no response).
  std::map<std::pair<std::string, int>, std::uint64_t> requestCounts() const;

  // Cancels every call in flight (they return Cancelled) and makes later calls fail with
  // Cancelled. Idempotent, thread-safe, does not wait for callers to return.
  void shutdown();

 private:
  struct Impl;
  explicit Client(std::unique_ptr<Impl> impl);
  std::unique_ptr<Impl> impl_;
};

}  // namespace iop::kube
