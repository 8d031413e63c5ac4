#pragma once

#include <map>
#include <mutex>
#include <nlohmann/json.hpp>
#include <optional>
#include <string>
#include <vector>

#include "kube/client.h"
#include "reconcilers/apply/live_state.h"

// The live state of a one-shot command (`iop install`): what the operator's informers would
// hold, read once. The first read of a kind LISTs it cluster-wide with the informers' selector
// (operator.istio.io/managed=Reconcile); every later get() and owned() of that kind is answered
// from that list. So one apply+prune pass costs a LIST per kind instead of a GET per object plus a
// LIST per kind, and sees the same objects the operator would (objects without iop's labels are
// invisible, which is what the applier wants), trimmed the same way (trimForCache()).
namespace iop::reconcilers {

// A point-in-time view: writes made after a kind was listed do not show. Use one for one
// apply+prune pass; read readiness (Applier::notReady) through a ClientLiveState. The client is
// borrowed and must outlive it. Thread-safe. A kind is listed once, unless its LIST failed (it is
// tried again on the next read) or two first reads of it raced (prefetch() avoids that). Reads
// block on the API server the first time per kind.
class SnapshotLiveState final : public LiveState {
 public:
  explicit SnapshotLiveState(kube::Client& client) : client_(client) {}
  kube::Result<std::optional<nlohmann::json>> get(const OwnedKind& kind, const std::string& ns,
                                                  const std::string& name) override;
  kube::Result<std::vector<nlohmann::json>> owned(const OwnedKind& kind, const Owner& owner) override;
  kube::Result<std::vector<nlohmann::json>> shared(const OwnedKind& kind) override;

  // Lists every kind of `kinds` now, `concurrency` at a time, instead of one by one on first
  // read. Errors are not returned: a kind that failed is listed again (and its error returned)
  // on its next read. Blocks.
  void prefetch(const std::vector<OwnedKind>& kinds, int concurrency);

 private:
  using Objects = std::map<std::pair<std::string, std::string>, nlohmann::json>;  // (ns, name) -> object
  kube::Result<void> load(const OwnedKind& kind);  // lists `kind` unless it was

  kube::Client& client_;
  // Guards byKind_. A LIST runs without it, so that kinds are listed concurrently.
  std::mutex mu_;
  std::map<std::string, Objects> byKind_;
};

}  // namespace iop::reconcilers
