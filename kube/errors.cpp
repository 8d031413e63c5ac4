#include "kube/errors.h"

namespace iop::kube {

namespace {

// The reason Kubernetes attaches to a bare status code (apimachinery's errors.FromObject does
// the same when a response body is not a Status).
std::string reasonForCode(int code) {
  switch (code) {
    case 400:
      return "BadRequest";
    case 401:
      return "Unauthorized";
    case 403:
      return "Forbidden";
    case 404:
      return "NotFound";
    case 405:
      return "MethodNotAllowed";
    case 406:
      return "NotAcceptable";
    case 409:
      return "Conflict";
    case 410:
      return "Gone";
    case 413:
      return "RequestEntityTooLarge";
    case 415:
      return "UnsupportedMediaType";
    case 422:
      return "Invalid";
    case 429:
      return "TooManyRequests";
    case 500:
      return "InternalError";
    case 503:
      return "ServiceUnavailable";
    case 504:
      return "Timeout";
    default:
      return "";
  }
}

std::string reasonOf(const Error& e) {
  if (e.kind != ErrorKind::Api) return "";
  if (!e.reason.empty() && e.reason != "Unknown") return e.reason;
  return reasonForCode(e.httpStatus);
}

std::string str(const nlohmann::json& j, const char* key) {
  auto it = j.find(key);
  if (it == j.end() || !it->is_string()) return "";
  return it->get<std::string>();
}

const char* kindName(ErrorKind k) {
  switch (k) {
    case ErrorKind::Api:
      return "api";
    case ErrorKind::Transport:
      return "transport";
    case ErrorKind::Config:
      return "config";
    case ErrorKind::Decode:
      return "decode";
    case ErrorKind::Cancelled:
      return "cancelled";
    case ErrorKind::Invalid:
      return "invalid argument";
  }
  return "?";
}

}  // namespace

std::string Error::describe() const {
  std::string out;
  if (!method.empty() || !path.empty()) out = method + " " + path + ": ";
  switch (kind) {
    case ErrorKind::Api:
      out += std::to_string(httpStatus);
      if (!reason.empty()) out += " " + reason;
      if (!message.empty()) out += ": " + message;
      for (const auto& c : details.causes) {
        out += "; ";
        if (!c.field.empty()) out += c.field + ": ";
        out += c.message.empty() ? c.type : c.message;
      }
      break;
    case ErrorKind::Transport:
      out += step + " failed: " + message;
      break;
    default:
      if (kind != ErrorKind::Config && kind != ErrorKind::Cancelled)
        out += std::string(kindName(kind)) + ": ";
      out += message;
  }
  return out;
}

Error Error::config(std::string message) {
  Error e;
  e.kind = ErrorKind::Config;
  e.message = std::move(message);
  return e;
}

Error Error::invalid(std::string message) {
  Error e;
  e.kind = ErrorKind::Invalid;
  e.message = std::move(message);
  return e;
}

Error Error::decode(std::string message) {
  Error e;
  e.kind = ErrorKind::Decode;
  e.message = std::move(message);
  return e;
}

Error Error::cancelled(std::string message) {
  Error e;
  e.kind = ErrorKind::Cancelled;
  e.message = std::move(message);
  return e;
}

Error Error::transport(std::string step, std::string message, bool requestSent) {
  Error e;
  e.kind = ErrorKind::Transport;
  e.step = std::move(step);
  e.message = std::move(message);
  e.requestSent = requestSent;
  return e;
}

Error Error::fromStatus(const nlohmann::json& status, std::string method, std::string path) {
  Error e;
  e.kind = ErrorKind::Api;
  e.method = std::move(method);
  e.path = std::move(path);
  if (!status.is_object()) {
    e.message = "malformed Status: " + status.dump();
    return e;
  }
  if (auto it = status.find("code"); it != status.end() && it->is_number_integer())
    e.httpStatus = it->get<int>();
  e.reason = str(status, "reason");
  e.message = str(status, "message");
  if (auto d = status.find("details"); d != status.end() && d->is_object()) {
    e.details.name = str(*d, "name");
    e.details.group = str(*d, "group");
    e.details.kind = str(*d, "kind");
    e.details.uid = str(*d, "uid");
    if (auto r = d->find("retryAfterSeconds"); r != d->end() && r->is_number_integer())
      e.details.retryAfterSeconds = r->get<int>();
    if (auto cs = d->find("causes"); cs != d->end() && cs->is_array()) {
      for (const auto& c : *cs) {
        if (!c.is_object()) continue;
        e.details.causes.push_back({str(c, "reason"), str(c, "message"), str(c, "field")});
      }
    }
  }
  if (e.reason.empty()) e.reason = reasonForCode(e.httpStatus);
  return e;
}

Error Error::fromResponse(int httpStatus, std::string_view body, std::string method, std::string path) {
  auto parsed = nlohmann::json::parse(body, nullptr, false);
  if (!parsed.is_discarded() && parsed.is_object() && str(parsed, "kind") == "Status") {
    Error e = fromStatus(parsed, std::move(method), std::move(path));
    // The HTTP status is authoritative; Status.code may be absent.
    if (httpStatus != 0) e.httpStatus = httpStatus;
    if (e.reason.empty()) e.reason = reasonForCode(e.httpStatus);
    return e;
  }
  Error e;
  e.kind = ErrorKind::Api;
  e.httpStatus = httpStatus;
  e.reason = reasonForCode(httpStatus);
  e.method = std::move(method);
  e.path = std::move(path);
  constexpr std::size_t kMaxBody = 512;
  e.message = std::string(body.substr(0, kMaxBody));
  while (!e.message.empty() && (e.message.back() == '\n' || e.message.back() == '\r')) e.message.pop_back();
  if (body.size() > kMaxBody) e.message += "...";
  return e;
}

bool isNotFound(const Error& e) {
  return reasonOf(e) == "NotFound";
}
bool isAlreadyExists(const Error& e) {
  return reasonOf(e) == "AlreadyExists";
}
bool isConflict(const Error& e) {
  return reasonOf(e) == "Conflict";
}
bool isGone(const Error& e) {
  auto r = reasonOf(e);
  return r == "Gone" || r == "Expired" || (e.kind == ErrorKind::Api && e.httpStatus == 410);
}
bool isForbidden(const Error& e) {
  return reasonOf(e) == "Forbidden";
}
bool isUnauthorized(const Error& e) {
  return reasonOf(e) == "Unauthorized";
}
bool isInvalid(const Error& e) {
  return reasonOf(e) == "Invalid";
}
bool isTooManyRequests(const Error& e) {
  return reasonOf(e) == "TooManyRequests" || (e.kind == ErrorKind::Api && e.httpStatus == 429);
}
bool isServerError(const Error& e) {
  return e.kind == ErrorKind::Api && e.httpStatus >= 500;
}
bool isNoKindMatch(const Error& e) {
  return e.kind == ErrorKind::Api && e.reason == "NoKindMatch";
}
bool isTransport(const Error& e) {
  return e.kind == ErrorKind::Transport;
}
bool isCancelled(const Error& e) {
  return e.kind == ErrorKind::Cancelled;
}

}  // namespace iop::kube
