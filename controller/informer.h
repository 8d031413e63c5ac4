#pragma once

#include <atomic>
#include <condition_variable>
#include <cstdint>
#include <functional>
#include <memory>
#include <mutex>
#include <nlohmann/json.hpp>
#include <optional>
#include <stop_token>
#include <string>
#include <unordered_map>
#include <unordered_set>
#include <vector>

#include "controller/clock.h"
#include "kube/client.h"

namespace iop::controller {

// Called on the informer's thread, one event at a time, in the order the informer learned
// them. They must not block for long (enqueue a key and return) and must not call back into
// the informer's handler registration.
struct InformerHandlers {
  std::function<void(const nlohmann::json& object)> onAdd;
  std::function<void(const nlohmann::json& oldObject, const nlohmann::json& newObject)> onUpdate;
  // The last state the informer knew of the object (when a relist finds it gone, that is the
  // state before the delete it missed).
  std::function<void(const nlohmann::json& object)> onDelete;
};

struct InformerOptions {
  kube::TypeRef type;         // the kind to list and watch
  std::string ns;             // "" = all namespaces (or a cluster-scoped kind)
  std::string labelSelector;  // "" = every object
  std::int64_t listPageSize = 500;
  int watchTimeoutSeconds = 300;  // the server ends each watch after this; it is resumed
  Duration minBackoff = std::chrono::milliseconds(200);  // after a failed list or watch,
  Duration maxBackoff = std::chrono::seconds(30);        // doubling up to this
  const Clock* clock = &realClock();
  // Test seam, called on the informer's thread before each watch with the resourceVersion it
  // will resume from; the watch starts from what it returns. May block (until stop).
  std::function<std::string(const std::string& resumeFrom)> beforeWatch;
};

// Lists then watches one kind (namespace or all, optional label selector) and keeps an
// in-memory store of the selected objects keyed by namespace/name, calling handlers on every
// change. A watch that ends is resumed from the last resourceVersion seen (bookmarks on); on
// Gone it relists and delivers the differences (adds, updates, and the deletes it missed).
// Memory is proportional to the selected objects.
//
// Lifecycle: construct, addHandlers() (any time), run() once on a thread of the caller's
// (blocks until stop). Store reads are thread-safe at any time.
class Informer {
 public:
  // client is borrowed and must outlive the informer. Starts no thread.
  Informer(kube::Client& client, InformerOptions options);
  Informer(const Informer&) = delete;
  Informer& operator=(const Informer&) = delete;

  // Thread-safe. A handler added after objects are known first gets an add for each of them.
  void addHandlers(InformerHandlers handlers);

  // Lists, then watches until stop is requested; retries failures with backoff. Blocks.
  // Returns an error if called twice.
  std::optional<std::string> run(std::stop_token stop);

  // True once the first list is in the store (and stays true). Thread-safe.
  bool hasSynced() const;
  // Blocks until synced, stop or timeout (on the real clock); returns hasSynced().
  bool waitForSync(std::stop_token stop, Duration timeout) const;

  // Store reads: copies, thread-safe.
  std::optional<nlohmann::json> get(const std::string& ns, const std::string& name) const;
  std::vector<nlohmann::json> list() const;
  std::size_t size() const;

  // What an index files an object under; "" = not filed. Called with the store lock held: it
  // must be pure (same object, same answer), fast, and must not call back into the informer.
  using IndexFunc = std::function<std::string(const nlohmann::json& object)>;
  // Adds an index named `name` (client-go's Indexer, with one value per object), built from the
  // objects already stored and kept current on every add, update, delete and relist, so that
  // byIndex() costs the matches, not the whole store. Thread-safe, any time; replaces an index
  // of the same name. Costs one string per filed object.
  void addIndex(const std::string& name, IndexFunc index);
  // Copies of the stored objects that index `name` files under `value`. Thread-safe.
  // Throws std::logic_error when no index `name` was added (a programming error).
  std::vector<nlohmann::json> byIndex(const std::string& name, const std::string& value) const;

  // Rewrites each object before it is stored or handed to handlers (client-go's
  // SetTransform), e.g. to drop fields nobody reads so the cache costs less memory. Readers and
  // handlers then never see what it removed. Call before run(): throws std::logic_error after.
  // Runs on the informer's thread; must not call back into the informer.
  using Transform = std::function<void(nlohmann::json& object)>;
  void setTransform(Transform transform);

  // How many LISTs have completed (1 after the first sync; more after relists on Gone).
  std::uint64_t listCount() const { return listCount_; }
  std::string describe() const;  // "apps/v1, Kind=Deployment in ns x with labels a=b"

 private:
  using ObjectPtr = std::shared_ptr<const nlohmann::json>;
  struct Index {
    IndexFunc fileUnder;
    std::unordered_map<std::string, std::unordered_set<std::string>> keysByValue;
    void add(const std::string& key, const nlohmann::json& object);
    void remove(const std::string& key, const nlohmann::json& object);
  };

  ObjectPtr transformed(nlohmann::json&& object) const;

  bool relist(std::stop_token stop, std::string& resourceVersion);
  // Watches from resourceVersion until the stream ends; returns how it ended and updates
  // resourceVersion to the last version seen.
  kube::WatchResult watchOnce(std::stop_token stop, std::string& resourceVersion);
  void apply(const kube::WatchEvent& event);
  void deliverAdd(const ObjectPtr& obj);
  void deliverUpdate(const ObjectPtr& oldObj, const ObjectPtr& newObj);
  void deliverDelete(const ObjectPtr& obj);
  void sleepFor(std::stop_token stop, Duration d);

  kube::Client& client_;
  const InformerOptions options_;
  std::atomic<bool> started_{false};
  std::atomic<std::uint64_t> listCount_{0};

  Transform transform_;  // set before run(), read only by run()'s thread

  mutable std::mutex storeMu_;  // guards store_, indexes_ and synced_
  mutable std::condition_variable syncedCv_;
  std::unordered_map<std::string, ObjectPtr> store_;  // namespace/name -> object
  // Invariant: each index files exactly the objects of store_ (by their store key).
  std::unordered_map<std::string, Index> indexes_;
  bool synced_ = false;

  // Guards handlers_ and serializes delivery, so a handler added midway sees every object
  // exactly once (replay, then live events). Never taken while storeMu_ is held.
  std::mutex handlersMu_;
  std::vector<InformerHandlers> handlers_;
};

// The store key of an object: "namespace/name", or "name" when cluster-scoped.
std::string objectKey(const nlohmann::json& object);

}  // namespace iop::controller
