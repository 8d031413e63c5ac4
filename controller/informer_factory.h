#pragma once

#include <map>
#include <memory>
#include <mutex>
#include <stop_token>
#include <string>
#include <thread>
#include <vector>

#include "controller/informer.h"

namespace iop::controller {

// Shares informers: every user of one kind + namespace + label selector gets the same
// Informer, so they cost one list and one watch. Thread-safe.
class InformerFactory {
 public:
  // client is borrowed and must outlive the factory. Starts no thread.
  explicit InformerFactory(kube::Client& client, const Clock& clock = realClock());
  ~InformerFactory();  // stops and joins the informers it started
  InformerFactory(const InformerFactory&) = delete;
  InformerFactory& operator=(const InformerFactory&) = delete;

  // The informer for this selection, created on first use. Borrowed: lives as long as the
  // factory. An informer asked for after start() is started by the next start().
  Informer& informer(const kube::TypeRef& type, const std::string& ns = "",
                     const std::string& labelSelector = "");

  // Runs every informer not yet running on its own thread. Does not block.
  void start();
  // Blocks until every informer has synced, stop, or timeout; returns whether all synced.
  bool waitForSync(std::stop_token stop, Duration timeout);
  bool allSynced() const;
  // Names of the informers that have not synced yet (for /readyz).
  std::vector<std::string> unsynced() const;
  // Stops and joins every running informer. Blocks until their watches return.
  void stop();

  std::size_t size() const;

 private:
  kube::Client& client_;
  const Clock& clock_;
  mutable std::mutex mu_;                                       // guards the two below
  std::map<std::string, std::unique_ptr<Informer>> informers_;  // by selection key
  std::vector<std::jthread> threads_;                           // one per started informer
  std::size_t startedCount_ = 0;                                // informers_ are started in creation order...
  std::vector<Informer*> order_;                                // ...kept here
};

}  // namespace iop::controller
