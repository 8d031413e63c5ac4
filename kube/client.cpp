#include "kube/client.h"

#include <algorithm>
#include <random>

#include "kube/client_impl.h"

namespace iop::kube {

LinkedCancel::LinkedCancel(const CancelToken& a, const CancelToken& b) : a_(a), b_(b) {
  idA_ = a_.addCallback([c = combined_] { c.cancel(); });
  idB_ = b_.addCallback([c = combined_] { c.cancel(); });
}

LinkedCancel::~LinkedCancel() {
  a_.removeCallback(idA_);
  b_.removeCallback(idB_);
}

std::string urlEncode(std::string_view s) {
  static const char* hex = "0123456789ABCDEF";
  std::string out;
  for (unsigned char c : s) {
    if (std::isalnum(c) || c == '-' || c == '_' || c == '.' || c == '~') {
      out.push_back(static_cast<char>(c));
    } else {
      out.push_back('%');
      out.push_back(hex[c >> 4]);
      out.push_back(hex[c & 15]);
    }
  }
  return out;
}

namespace {

void addParam(std::string& query, const std::string& key, const std::string& value) {
  if (value.empty()) return;
  if (!query.empty()) query += '&';
  query += key + "=" + urlEncode(value);
}

std::string joinQuery(std::initializer_list<std::pair<const char*, std::string>> params) {
  std::string q;
  for (const auto& [k, v] : params) addParam(q, k, v);
  return q;
}

Result<json> parseBody(const http::Response& r, const std::string& method, const std::string& path) {
  auto j = json::parse(r.body, nullptr, false);
  if (j.is_discarded()) {
    auto e = Error::decode("response is not JSON: " + r.body.substr(0, 200));
    e.method = method;
    e.path = path;
    e.httpStatus = r.status;
    return e;
  }
  return j;
}

std::string metaString(const json& object, const char* key) {
  auto m = object.find("metadata");
  if (m == object.end() || !m->is_object()) return "";
  auto v = m->find(key);
  if (v == m->end() || !v->is_string()) return "";
  return v->get<std::string>();
}

}  // namespace

Client::Impl::Impl(Config c, ClientOptions o, std::unique_ptr<http::Transport> t)
    : config(std::move(c)),
      options(std::move(o)),
      transport(std::move(t)),
      limiter(config.qps, config.burst, options.clock),
      tokens(config.bearerToken, config.bearerTokenFile, config.tokenFileCheckInterval, options.clock),
      retry{options.maxRetries, options.retryInitialBackoff, options.retryMaxBackoff, options.retryAfterCap} {
}

std::chrono::nanoseconds Client::Impl::backoff(int attempt,
                                               const std::optional<std::chrono::seconds>& retryAfter) const {
  thread_local std::mt19937_64 rng{std::random_device{}()};
  std::uniform_real_distribution<double> jitter(1.0, 1.5);
  return retry.delay(attempt, retryAfter, jitter(rng));
}

Result<std::string> Client::Impl::authorization() {
  auto t = tokens.token();
  if (!t) return t.error();
  if (t->empty()) return std::string();
  return "Bearer " + *t;
}

void Client::Impl::observe(const std::string& method, int code, std::chrono::steady_clock::time_point start) {
  RequestRecord rec{method, code, std::chrono::steady_clock::now() - start};
  metrics.record(rec);
  if (options.observer) options.observer(rec);
}

Result<http::Response> Client::Impl::execute(const std::string& method, const std::string& path,
                                             const std::string& query, const std::string& body,
                                             const std::string& contentType, const std::string& accept,
                                             const CancelToken& callCancel, bool idempotent) {
  LinkedCancel linked(callCancel, shutdownToken);
  const auto& cancel = linked.token();
  http::Request req;
  req.method = method;
  req.target = query.empty() ? path : path + "?" + query;
  req.body = body;
  req.contentType = contentType;
  req.accept = accept;
  bool retriedUnauthorized = false;
  for (int attempt = 0;; ++attempt) {
    if (auto ok = limiter.acquire(cancel); !ok) return ok.error();
    auto auth = authorization();
    if (!auth) return auth.error();
    req.authorization = *auth;
    auto start = std::chrono::steady_clock::now();
    auto r = transport->roundTrip(req, cancel);
    observe(method, r ? r->status : 0, start);
    std::optional<Error> failure;
    std::optional<std::chrono::seconds> retryAfter;
    if (!r) {
      failure = r.error();
      failure->method = method;
      failure->path = path;
      if (isCancelled(*failure)) return *failure;
    } else if (r->status >= 200 && r->status < 300) {
      return std::move(*r);
    } else {
      failure = Error::fromResponse(r->status, r->body, method, path);
      failure->retryAfter = r->retryAfter;
      retryAfter = r->retryAfter;
      if (r->status == 401 && tokens.fromFile() && !retriedUnauthorized) {
        // The token may have rotated since we last looked at the file; look again once.
        retriedUnauthorized = true;
        tokens.invalidate();
        --attempt;
        continue;
      }
    }
    if (!retry.retryable(*failure, idempotent) || attempt >= retry.maxRetries) return *failure;
    if (!sleepFor(backoff(attempt, retryAfter), cancel))
      return Error::cancelled("cancelled during retry backoff");
  }
}

Result<ResourceInfo> Client::Impl::resolve(const GroupVersionKind& gvk, const CancelToken& cancel) {
  auto lookup = [&]() -> std::optional<ResourceInfo> {
    std::lock_guard lock(discoveryMu);
    auto it = discovered.find(gvk.apiVersion());
    if (it == discovered.end()) return std::nullopt;
    for (const auto& info : it->second)
      if (info.kind == gvk.kind) return info;
    return std::nullopt;
  };
  if (auto hit = lookup()) return *hit;
  if (auto r = refreshDiscovery(gvk, cancel); !r) return r.error();
  if (auto hit = lookup()) return *hit;
  Error e;
  e.kind = ErrorKind::Api;
  e.httpStatus = 404;
  e.reason = "NoKindMatch";
  e.message = "the server does not serve kind \"" + gvk.kind + "\" in " + gvk.apiVersion() + " (discovery)";
  e.details.group = gvk.group;
  e.details.kind = gvk.kind;
  return e;
}

Result<std::string> Client::Impl::collectionPath(const TypeRef& type, std::string_view ns,
                                                 const CancelToken& cancel, bool forObject) {
  std::string group, version, resource;
  bool isNamespaced;
  if (type.byResource) {
    group = type.gvr.group;
    version = type.gvr.version;
    resource = type.gvr.resource;
    isNamespaced = !ns.empty();
  } else {
    if (type.gvk.kind.empty() || type.gvk.version.empty())
      return Error::invalid("type " + type.describe() + " has no kind or version");
    auto info = resolve(type.gvk, cancel);
    if (!info) return info.error();
    group = info->gvr.group;
    version = info->gvr.version;
    resource = info->gvr.resource;
    if (forObject && info->namespaced && ns.empty())
      return Error::invalid(type.describe() + " is namespaced: a namespace is required");
    isNamespaced = info->namespaced && !ns.empty();
  }
  if (resource.empty() || version.empty())
    return Error::invalid("type " + type.describe() + " is incomplete");
  std::string path = group.empty() ? "/api/" + version : "/apis/" + group + "/" + version;
  if (isNamespaced) path += "/namespaces/" + urlEncode(ns);
  return path + "/" + resource;
}

Result<std::string> Client::Impl::objectPath(const TypeRef& type, std::string_view ns, std::string_view name,
                                             const std::string& subresource, const CancelToken& cancel) {
  if (name.empty()) return Error::invalid("no object name given for " + type.describe());
  auto base = collectionPath(type, ns, cancel, true);
  if (!base) return base;
  std::string path = *base + "/" + urlEncode(name);
  if (!subresource.empty()) path += "/" + subresource;
  return path;
}

// ---- Client ----

Result<std::unique_ptr<Client>> Client::create(Config config, ClientOptions options) {
  if (!options.clock) options.clock = steadyClock();
  auto transport = http::Transport::create(config, options.maxIdleConnections);
  if (!transport) return transport.error();
  auto impl = std::make_unique<Impl>(std::move(config), std::move(options), std::move(*transport));
  return std::unique_ptr<Client>(new Client(std::move(impl)));
}

Client::Client(std::unique_ptr<Impl> impl) : impl_(std::move(impl)) {}
Client::~Client() {
  shutdown();
}

const Config& Client::config() const {
  return impl_->config;
}

void Client::shutdown() {
  impl_->shutdownToken.cancel();
  impl_->transport->shutdown();
}

std::map<std::pair<std::string, int>, std::uint64_t> Client::requestCounts() const {
  return impl_->metrics.snapshot();
}

Result<ResourceInfo> Client::resolve(const GroupVersionKind& gvk) {
  return impl_->resolve(gvk, CancelToken());
}

void Client::invalidateDiscovery() {
  std::lock_guard lock(impl_->discoveryMu);
  impl_->discovered.clear();
  impl_->lastDiscovery.clear();
}

Result<json> Client::get(const TypeRef& type, std::string_view ns, std::string_view name,
                         const GetOptions& options) {
  auto path = impl_->objectPath(type, ns, name, options.subresource, options.cancel);
  if (!path) return path.error();
  auto query = joinQuery({{"resourceVersion", options.resourceVersion}});
  auto r = impl_->execute("GET", *path, query, "", "", "application/json", options.cancel, true);
  if (!r) return r.error();
  return parseBody(*r, "GET", *path);
}

Result<json> Client::list(const TypeRef& type, std::string_view ns, const ListOptions& options) {
  auto path = impl_->collectionPath(type, ns, options.cancel);
  if (!path) return path.error();
  auto query = joinQuery({{"labelSelector", options.labelSelector},
                          {"fieldSelector", options.fieldSelector},
                          {"limit", options.limit > 0 ? std::to_string(options.limit) : ""},
                          {"continue", options.continueToken},
                          {"resourceVersion", options.resourceVersion},
                          {"resourceVersionMatch", options.resourceVersionMatch}});
  auto r = impl_->execute("GET", *path, query, "", "", "application/json", options.cancel, true);
  if (!r) return r.error();
  return parseBody(*r, "GET", *path);
}

Result<json> Client::listAll(const TypeRef& type, std::string_view ns, const ListOptions& options) {
  ListOptions page = options;
  json all;
  for (;;) {
    auto r = list(type, ns, page);
    if (!r) return r.error();
    auto& body = *r;
    if (!body.contains("items") || !body["items"].is_array()) body["items"] = json::array();
    std::string next;
    if (body.contains("metadata") && body["metadata"].contains("continue") &&
        body["metadata"]["continue"].is_string())
      next = body["metadata"]["continue"].get<std::string>();
    if (all.is_null()) {
      all = std::move(body);
    } else {
      auto& items = all["items"];
      for (auto& item : body["items"]) items.push_back(std::move(item));
    }
    if (next.empty()) break;
    page.continueToken = next;
    // A continue token carries its own snapshot version; the server rejects both at once.
    page.resourceVersion.clear();
    page.resourceVersionMatch.clear();
  }
  if (all.contains("metadata") && all["metadata"].is_object()) {
    all["metadata"].erase("continue");
    all["metadata"].erase("remainingItemCount");
  }
  return all;
}

Result<json> Client::create(const TypeRef& type, std::string_view ns, const json& object,
                            const WriteOptions& options) {
  auto objNs = metaString(object, "namespace");
  if (!objNs.empty() && !ns.empty() && objNs != ns)
    return Error::invalid("object namespace \"" + objNs + "\" does not match the namespace \"" +
                          std::string(ns) + "\" it is created in");
  std::string path;
  if (options.subresource.empty()) {
    auto p = impl_->collectionPath(type, ns, options.cancel);
    if (!p) return p.error();
    path = *p;
  } else {
    // POST to a subresource of a named object (e.g. serviceaccounts/NAME/token).
    auto p = impl_->objectPath(type, ns, metaString(object, "name"), options.subresource, options.cancel);
    if (!p) return p.error();
    path = *p;
  }
  auto query = joinQuery({{"fieldManager", options.fieldManager}, {"dryRun", options.dryRun ? "All" : ""}});
  auto r = impl_->execute("POST", path, query, object.dump(), "application/json", "application/json",
                          options.cancel, false);
  if (!r) return r.error();
  return parseBody(*r, "POST", path);
}

Result<json> Client::update(const TypeRef& type, std::string_view ns, std::string_view name,
                            const json& object, const WriteOptions& options) {
  auto path = impl_->objectPath(type, ns, name, options.subresource, options.cancel);
  if (!path) return path.error();
  auto query = joinQuery({{"fieldManager", options.fieldManager}, {"dryRun", options.dryRun ? "All" : ""}});
  auto r = impl_->execute("PUT", *path, query, object.dump(), "application/json", "application/json",
                          options.cancel, false);
  if (!r) return r.error();
  return parseBody(*r, "PUT", *path);
}

Result<json> Client::remove(const TypeRef& type, std::string_view ns, std::string_view name,
                            const DeleteOptions& options) {
  auto path = impl_->objectPath(type, ns, name, "", options.cancel);
  if (!path) return path.error();
  json body = {{"kind", "DeleteOptions"}, {"apiVersion", "v1"}};
  if (!options.propagationPolicy.empty()) body["propagationPolicy"] = options.propagationPolicy;
  if (options.preconditionUID) body["preconditions"]["uid"] = *options.preconditionUID;
  if (options.preconditionResourceVersion)
    body["preconditions"]["resourceVersion"] = *options.preconditionResourceVersion;
  if (options.gracePeriodSeconds) body["gracePeriodSeconds"] = *options.gracePeriodSeconds;
  if (options.dryRun) body["dryRun"] = json::array({"All"});
  auto r = impl_->execute("DELETE", *path, "", body.dump(), "application/json", "application/json",
                          options.cancel, false);
  if (!r) return r.error();
  return parseBody(*r, "DELETE", *path);
}

Result<json> Client::mergePatch(const TypeRef& type, std::string_view ns, std::string_view name,
                                const json& patch, const PatchOptions& options) {
  auto path = impl_->objectPath(type, ns, name, options.subresource, options.cancel);
  if (!path) return path.error();
  auto query = joinQuery({{"fieldManager", options.fieldManager}, {"dryRun", options.dryRun ? "All" : ""}});
  auto r = impl_->execute("PATCH", *path, query, patch.dump(), "application/merge-patch+json",
                          "application/json", options.cancel, false);
  if (!r) return r.error();
  return parseBody(*r, "PATCH", *path);
}

Result<json> Client::apply(const json& object, const ApplyOptions& options) {
  auto gvk = GroupVersionKind::fromObject(object);
  if (gvk.kind.empty() || gvk.version.empty())
    return Error::invalid("apply: the object has no apiVersion or kind (name \"" +
                          metaString(object, "name") + "\")");
  return apply(gvk, metaString(object, "namespace"), metaString(object, "name"), object, options);
}

Result<json> Client::apply(const TypeRef& type, std::string_view ns, std::string_view name,
                           const json& object, const ApplyOptions& options) {
  if (options.fieldManager.empty())
    return Error::invalid("apply of " + type.describe() + " \"" + std::string(name) +
                          "\": fieldManager is required");
  auto path = impl_->objectPath(type, ns, name, options.subresource, options.cancel);
  if (!path) return path.error();
  auto query = joinQuery({{"fieldManager", options.fieldManager},
                          {"force", options.force ? "true" : ""},
                          {"dryRun", options.dryRun ? "All" : ""}});
  // JSON is YAML, so the apply-patch+yaml content type takes the object as it is.
  auto r = impl_->execute("PATCH", *path, query, object.dump(), "application/apply-patch+yaml",
                          "application/json", options.cancel, false);
  if (!r) return r.error();
  return parseBody(*r, "PATCH", *path);
}

Result<RawResponse> Client::request(const RawRequest& request) {
  if (request.path.empty() || request.path.front() != '/')
    return Error::invalid("raw request path \"" + request.path + "\" must start with '/'");
  auto r = impl_->execute(request.method, request.path, request.query, request.body, request.contentType,
                          request.accept, request.cancel, request.method == "GET");
  if (!r) return r.error();
  return RawResponse{r->status, std::move(r->body), std::move(r->contentType)};
}

}  // namespace iop::kube
