#include "controller/informer.h"

#include <spdlog/spdlog.h>

#include <stdexcept>
#include <thread>

namespace iop::controller {

using nlohmann::json;

std::string objectKey(const json& object) {
  if (!object.is_object() || !object.contains("metadata") || !object["metadata"].is_object()) return "";
  const auto& meta = object["metadata"];
  auto str = [&](const char* k) {
    return meta.contains(k) && meta[k].is_string() ? meta[k].get<std::string>() : "";
  };
  std::string ns = str("namespace");
  std::string name = str("name");
  return ns.empty() ? name : ns + "/" + name;
}

namespace {

// A throwing handler must not end the informer's thread (and with it the process): it is
// logged and the other handlers still run.
template <class F>
void guarded(const std::string& what, F&& call) {
  try {
    call();
  } catch (const std::exception& e) {
    spdlog::error("informer {}: event handler threw: {}", what, e.what());
  } catch (...) {
    spdlog::error("informer {}: event handler threw a non-standard exception", what);
  }
}

std::string resourceVersionOf(const json& object) {
  if (!object.is_object() || !object.contains("metadata") || !object["metadata"].is_object()) return "";
  const auto& meta = object["metadata"];
  return meta.contains("resourceVersion") && meta["resourceVersion"].is_string()
             ? meta["resourceVersion"].get<std::string>()
             : "";
}
}  // namespace

Informer::Informer(kube::Client& client, InformerOptions options)
    : client_(client), options_(std::move(options)) {}

std::string Informer::describe() const {
  std::string s = options_.type.describe();
  s += options_.ns.empty() ? " in all namespaces" : " in namespace " + options_.ns;
  if (!options_.labelSelector.empty()) s += " with labels " + options_.labelSelector;
  return s;
}

void Informer::addHandlers(InformerHandlers handlers) {
  std::lock_guard delivery(handlersMu_);
  std::vector<ObjectPtr> existing;
  {
    std::lock_guard lock(storeMu_);
    for (const auto& [key, obj] : store_) existing.push_back(obj);
  }
  if (handlers.onAdd)
    for (const auto& obj : existing) guarded(describe(), [&] { handlers.onAdd(*obj); });
  handlers_.push_back(std::move(handlers));
}

bool Informer::hasSynced() const {
  std::lock_guard lock(storeMu_);
  return synced_;
}

bool Informer::waitForSync(std::stop_token stop, Duration timeout) const {
  std::unique_lock lock(storeMu_);
  auto deadline = std::chrono::steady_clock::now() + timeout;
  while (!synced_ && !stop.stop_requested() && std::chrono::steady_clock::now() < deadline)
    syncedCv_.wait_for(lock, std::chrono::milliseconds(20));  // polls stop: cv is not stop-aware
  return synced_;
}

std::optional<json> Informer::get(const std::string& ns, const std::string& name) const {
  std::lock_guard lock(storeMu_);
  auto it = store_.find(ns.empty() ? name : ns + "/" + name);
  if (it == store_.end()) return std::nullopt;
  return *it->second;
}

std::vector<json> Informer::list() const {
  std::lock_guard lock(storeMu_);
  std::vector<json> out;
  out.reserve(store_.size());
  for (const auto& [key, obj] : store_) out.push_back(*obj);
  return out;
}

std::size_t Informer::size() const {
  std::lock_guard lock(storeMu_);
  return store_.size();
}

void Informer::Index::add(const std::string& key, const json& object) {
  auto value = fileUnder(object);
  if (!value.empty()) keysByValue[value].insert(key);
}

void Informer::Index::remove(const std::string& key, const json& object) {
  auto it = keysByValue.find(fileUnder(object));
  if (it == keysByValue.end()) return;
  it->second.erase(key);
  if (it->second.empty()) keysByValue.erase(it);
}

void Informer::addIndex(const std::string& name, IndexFunc index) {
  Index built{std::move(index), {}};
  std::lock_guard lock(storeMu_);
  for (const auto& [key, obj] : store_) built.add(key, *obj);
  indexes_.insert_or_assign(name, std::move(built));
}

std::vector<json> Informer::byIndex(const std::string& name, const std::string& value) const {
  std::lock_guard lock(storeMu_);
  auto index = indexes_.find(name);
  if (index == indexes_.end()) throw std::logic_error("informer " + describe() + ": no index " + name);
  std::vector<json> out;
  auto keys = index->second.keysByValue.find(value);
  if (keys == index->second.keysByValue.end()) return out;
  out.reserve(keys->second.size());
  for (const auto& key : keys->second) out.push_back(*store_.at(key));
  return out;
}

void Informer::setTransform(Transform transform) {
  if (started_) throw std::logic_error("informer " + describe() + ": setTransform after run");
  transform_ = std::move(transform);
}

Informer::ObjectPtr Informer::transformed(json&& object) const {
  if (transform_) transform_(object);
  return std::make_shared<const json>(std::move(object));
}

void Informer::deliverAdd(const ObjectPtr& obj) {
  for (auto& h : handlers_)
    if (h.onAdd) guarded(describe(), [&] { h.onAdd(*obj); });
}
void Informer::deliverUpdate(const ObjectPtr& oldObj, const ObjectPtr& newObj) {
  for (auto& h : handlers_)
    if (h.onUpdate) guarded(describe(), [&] { h.onUpdate(*oldObj, *newObj); });
}
void Informer::deliverDelete(const ObjectPtr& obj) {
  for (auto& h : handlers_)
    if (h.onDelete) guarded(describe(), [&] { h.onDelete(*obj); });
}

void Informer::sleepFor(std::stop_token stop, Duration d) {
  std::mutex m;
  std::condition_variable_any cv;
  std::unique_lock lock(m);
  cv.wait_for(lock, stop, d, [] { return false; });
}

bool Informer::relist(std::stop_token stop, std::string& resourceVersion) {
  kube::CancelToken cancel;
  std::stop_callback onStop(stop, [&] { cancel.cancel(); });
  kube::ListOptions lo;
  lo.labelSelector = options_.labelSelector;
  lo.limit = options_.listPageSize;
  lo.cancel = cancel;
  auto listed = client_.listAll(options_.type, options_.ns, lo);
  if (!listed) {
    if (!stop.stop_requested())
      spdlog::warn("informer {}: list failed: {}", describe(), listed.error().describe());
    return false;
  }
  std::unordered_map<std::string, ObjectPtr> fresh;
  for (auto& item : (*listed)["items"]) {
    auto obj = transformed(std::move(item));
    fresh.emplace(objectKey(*obj), std::move(obj));
  }
  resourceVersion = resourceVersionOf(*listed);

  std::lock_guard delivery(handlersMu_);
  std::unordered_map<std::string, ObjectPtr> previous;
  {
    std::lock_guard lock(storeMu_);
    previous.swap(store_);
    store_ = fresh;
    for (auto& [name, index] : indexes_) {
      index.keysByValue.clear();
      for (const auto& [key, obj] : store_) index.add(key, *obj);
    }
  }
  for (const auto& [key, obj] : previous)
    if (!fresh.contains(key)) deliverDelete(obj);
  for (const auto& [key, obj] : fresh) {
    auto it = previous.find(key);
    if (it == previous.end()) {
      deliverAdd(obj);
    } else if (resourceVersionOf(*it->second) != resourceVersionOf(*obj)) {
      deliverUpdate(it->second, obj);
    }
  }
  ++listCount_;
  {
    std::lock_guard lock(storeMu_);
    synced_ = true;
  }
  syncedCv_.notify_all();
  spdlog::debug("informer {}: listed {} objects at resourceVersion {}", describe(), fresh.size(),
                resourceVersion);
  return true;
}

void Informer::apply(const kube::WatchEvent& event) {
  using Type = kube::WatchEvent::Type;
  if (event.type != Type::Added && event.type != Type::Modified && event.type != Type::Deleted) return;
  auto obj = transformed(json(event.object));
  auto key = objectKey(*obj);
  std::lock_guard delivery(handlersMu_);
  ObjectPtr old;
  {
    std::lock_guard lock(storeMu_);
    auto it = store_.find(key);
    if (it != store_.end()) old = it->second;
    if (old)
      for (auto& [name, index] : indexes_) index.remove(key, *old);
    if (event.type == Type::Deleted) {
      store_.erase(key);
    } else {
      store_[key] = obj;
      for (auto& [name, index] : indexes_) index.add(key, *obj);
    }
  }
  if (event.type == Type::Deleted) {
    deliverDelete(old ? old : obj);
  } else if (old) {
    deliverUpdate(old, obj);
  } else {
    deliverAdd(obj);
  }
}

kube::WatchResult Informer::watchOnce(std::stop_token stop, std::string& resourceVersion) {
  kube::CancelToken cancel;
  std::stop_callback onStop(stop, [&] { cancel.cancel(); });
  kube::WatchOptions wo;
  wo.resourceVersion = resourceVersion;
  wo.labelSelector = options_.labelSelector;
  wo.allowBookmarks = true;
  wo.timeoutSeconds = options_.watchTimeoutSeconds;
  wo.cancel = cancel;
  auto result = client_.watch(options_.type, options_.ns, wo, [&](const kube::WatchEvent& e) {
    apply(e);
    return stop.stop_requested() ? kube::WatchControl::Stop : kube::WatchControl::Continue;
  });
  if (!result.resourceVersion.empty()) resourceVersion = result.resourceVersion;
  return result;
}

std::optional<std::string> Informer::run(std::stop_token stop) {
  if (started_.exchange(true)) return "informer " + describe() + ": run called twice";
  using End = kube::WatchResult::End;
  Duration backoff = options_.minBackoff;
  auto failed = [&] {
    sleepFor(stop, backoff);
    backoff = std::min(backoff * 2, options_.maxBackoff);
  };
  std::string rv;
  bool needList = true;
  while (!stop.stop_requested()) {
    if (needList) {
      if (!relist(stop, rv)) {
        failed();
        continue;
      }
      needList = false;
      backoff = options_.minBackoff;
    }
    std::string from = options_.beforeWatch ? options_.beforeWatch(rv) : rv;
    if (stop.stop_requested()) break;
    auto result = watchOnce(stop, from);
    rv = from;
    switch (result.end) {
      case End::Closed:
        backoff = options_.minBackoff;
        break;
      case End::Gone:
        spdlog::info("informer {}: resourceVersion {} is gone; relisting", describe(), rv);
        needList = true;
        break;
      case End::Stopped:
      case End::Cancelled:
        break;
      case End::Failed:
        spdlog::warn("informer {}: watch failed, resuming from {}: {}", describe(), rv,
                     result.error ? result.error->describe() : "unknown error");
        failed();
        break;
    }
  }
  return std::nullopt;
}

}  // namespace iop::controller
