#pragma once

#include <chrono>
#include <nlohmann/json.hpp>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

namespace iop::kube {

// One entry of a Status' details.causes: for Invalid errors, `field` is the path of the
// offending field (e.g. "spec.replicas"), `type` a machine word such as "FieldValueInvalid".
struct StatusCause {
  std::string type;
  std::string message;
  std::string field;
};

// The `details` of a metav1.Status returned by the API server.
struct StatusDetails {
  std::string name;
  std::string group;
  std::string kind;
  std::string uid;
  std::vector<StatusCause> causes;
  int retryAfterSeconds = 0;
};

// What went wrong, coarsely. Finer classification of API errors goes through `reason` and the
// is*() helpers below.
enum class ErrorKind {
  Api,        // the API server answered with a non-2xx status (httpStatus, reason, message set)
  Transport,  // a network step failed (step says which); there may be no HTTP status at all
  Config,     // configuration is broken or incomplete (message names file, context, what)
  Decode,     // a response or input could not be parsed (message says what and where)
  Cancelled,  // the caller's CancelToken fired or the Client was shut down
  Invalid,    // the caller passed an unusable argument (e.g. apply without fieldManager)
};

// An error as a value. Cheap to copy. Everything a log line or a status condition needs is in
// here: which request, which step or HTTP status, and the API server's own Status.
struct Error {
  ErrorKind kind = ErrorKind::Api;

  // HTTP status code of the response, 0 when no response was received.
  int httpStatus = 0;

  // For Transport errors: the network step that failed, one of "resolve", "connect",
  // "handshake", "write", "read" (also for watch stream reads). Empty otherwise.
  std::string step;

  // From metav1.Status: e.g. "NotFound", "AlreadyExists", "Conflict", "Invalid", "Forbidden",
  // "Unauthorized", "Gone", "Expired", "TooManyRequests". May be empty for non-Status bodies.
  std::string reason;
  std::string message;
  StatusDetails details;

  // The request this error belongs to ("GET", "/api/v1/namespaces/x/configmaps/y"), when any.
  std::string method;
  std::string path;

  // Retry-After header of the response (429 or 5xx), when present.
  std::optional<std::chrono::seconds> retryAfter;

  // For Transport errors: false when the failure certainly happened before any byte of the
  // request was written (resolve/connect/handshake), so even a non-idempotent write may be
  // retried safely.
  bool requestSent = false;

  // One line for logs and users, e.g.
  // `GET /api/v1/namespaces/a/configmaps/b: 404 NotFound: configmaps "b" not found`
  // or `GET https://10.0.0.1:443/...: handshake failed: certificate verify failed (...)`.
  std::string describe() const;

  // Builders used by the client and by tests.
  static Error config(std::string message);
  static Error invalid(std::string message);
  static Error decode(std::string message);
  static Error cancelled(std::string message = "cancelled");
  static Error transport(std::string step, std::string message, bool requestSent);
  // From an HTTP error response: parses `body` as a metav1.Status when it is one (the reason,
  // message and details are taken from it), otherwise keeps the body text (truncated) as the
  // message and derives the reason from the status code.
  static Error fromResponse(int httpStatus, std::string_view body, std::string method = {},
                            std::string path = {});
  // From a metav1.Status object, e.g. the object of a watch ERROR event.
  static Error fromStatus(const nlohmann::json& status, std::string method = {}, std::string path = {});
};

// Predicates in the style of k8s.io/apimachinery/pkg/api/errors. They look at the Status
// reason first and fall back to the HTTP status code.
bool isNotFound(const Error& e);
bool isAlreadyExists(const Error& e);
bool isConflict(const Error& e);
bool isGone(const Error& e);  // 410, reason Gone or Expired: the resourceVersion is too old
bool isForbidden(const Error& e);
bool isUnauthorized(const Error& e);
bool isInvalid(const Error& e);  // 422; details.causes carry the field paths
bool isTooManyRequests(const Error& e);
bool isServerError(const Error& e);  // 5xx
// Discovery found no resource for the kind (reason "NoKindMatch"): the type is not served,
// e.g. its CRD is not installed. Distinct from isNotFound, which is about an object.
bool isNoKindMatch(const Error& e);
bool isTransport(const Error& e);
bool isCancelled(const Error& e);

}  // namespace iop::kube
