#include "controller/informer_factory.h"

namespace iop::controller {

InformerFactory::InformerFactory(kube::Client& client, const Clock& clock) : client_(client), clock_(clock) {}

InformerFactory::~InformerFactory() {
  stop();
}

Informer& InformerFactory::informer(const kube::TypeRef& type, const std::string& ns,
                                    const std::string& labelSelector) {
  std::string key = type.describe() + "|" + ns + "|" + labelSelector;
  std::lock_guard lock(mu_);
  auto it = informers_.find(key);
  if (it != informers_.end()) return *it->second;
  InformerOptions o{type};
  o.ns = ns;
  o.labelSelector = labelSelector;
  o.clock = &clock_;
  auto [ins, _] = informers_.emplace(key, std::make_unique<Informer>(client_, std::move(o)));
  order_.push_back(ins->second.get());
  return *ins->second;
}

void InformerFactory::start() {
  std::lock_guard lock(mu_);
  for (; startedCount_ < order_.size(); ++startedCount_) {
    Informer* inf = order_[startedCount_];
    threads_.emplace_back([inf](std::stop_token stop) { (void)inf->run(stop); });
  }
}

bool InformerFactory::waitForSync(std::stop_token stop, Duration timeout) {
  std::vector<Informer*> all;
  {
    std::lock_guard lock(mu_);
    all = order_;
  }
  auto deadline = std::chrono::steady_clock::now() + timeout;
  for (auto* inf : all) {
    auto left = deadline - std::chrono::steady_clock::now();
    if (left <= Duration::zero() || !inf->waitForSync(stop, left)) return false;
  }
  return true;
}

bool InformerFactory::allSynced() const {
  return unsynced().empty();
}

std::vector<std::string> InformerFactory::unsynced() const {
  std::lock_guard lock(mu_);
  std::vector<std::string> out;
  for (auto* inf : order_)
    if (!inf->hasSynced()) out.push_back(inf->describe());
  return out;
}

void InformerFactory::stop() {
  std::vector<std::jthread> threads;
  {
    std::lock_guard lock(mu_);
    threads.swap(threads_);
  }
  for (auto& t : threads) t.request_stop();
  threads.clear();  // joins
}

std::size_t InformerFactory::size() const {
  std::lock_guard lock(mu_);
  return informers_.size();
}

}  // namespace iop::controller
