#include "controller/manager.h"

#include <spdlog/spdlog.h>

#include <boost/asio/io_context.hpp>
#include <boost/asio/signal_set.hpp>
#include <csignal>
#include <cstdlib>

#include "controller/rest_client_metrics.h"

namespace iop::controller {

Manager::Manager(ManagerOptions options) : options_(std::move(options)) {
  std::vector<const kube::Client*> clients;
  if (options_.client) {
    informers_ = std::make_unique<InformerFactory>(*options_.client);
    clients.push_back(options_.client);
  }
  if (options_.client && options_.leaderElection) {
    // The config already made one client, so making another cannot fail but for memory.
    auto own = kube::Client::create(options_.client->config());
    if (own) {
      electionClient_ = std::move(*own);
      clients.push_back(electionClient_.get());
    } else {
      spdlog::warn("leader election shares the workers' client: {}", own.error().describe());
    }
    elector_ = std::make_unique<LeaderElector>(electionClient_ ? *electionClient_ : *options_.client,
                                               *options_.leaderElection, &metrics_);
  }
  if (!clients.empty()) metrics_.addCollectable(std::make_shared<RestClientCollector>(std::move(clients)));
  healthz_.add("ping", [] { return std::nullopt; });
  // A standby waiting for another holder is ready; one that can never get the lease is not,
  // and says why.
  readyz_.add("leader-election", [this]() -> std::optional<std::string> {
    return elector_ ? elector_->problem() : std::nullopt;
  });
  readyz_.add("informers-synced", [this]() -> std::optional<std::string> {
    if (!informers_) return std::nullopt;
    auto pending = informers_->unsynced();
    if (pending.empty()) return std::nullopt;
    std::string s = "not synced yet: ";
    for (std::size_t i = 0; i < pending.size(); ++i) s += (i ? ", " : "") + pending[i];
    return s;
  });
}

Manager::~Manager() {
  stop_.request_stop();
  stopControllers();
}

InformerFactory& Manager::informers() {
  if (!informers_) throw std::logic_error("Manager::informers(): the manager has no kube client");
  return *informers_;
}

bool Manager::isLeader() const {
  return elector_ ? elector_->isLeader() : false;
}

Controller& Manager::addController(ControllerOptions options, Reconciler& reconciler) {
  options.metrics = &metrics_;
  controllers_.push_back(std::make_unique<Controller>(std::move(options), reconciler));
  return *controllers_.back();
}

void Manager::setServing(bool ok) {
  std::lock_guard lock(servingMu_);
  serving_ = ok;
  servingCv_.notify_all();
}

bool Manager::waitUntilServing(Duration timeout) {
  std::unique_lock lock(servingMu_);
  servingCv_.wait_for(lock, timeout, [&] { return serving_.has_value(); });
  return serving_.value_or(false);
}

std::optional<std::string> Manager::serveHttp() {
  auto metricsRoute = [this](const std::string&) {
    return HttpResponse{200, "text/plain; version=0.0.4; charset=utf-8", metrics_.serialize()};
  };
  auto healthzRoute = [this](const std::string& q) { return healthz_.serve(q); };
  auto readyzRoute = [this](const std::string& q) { return readyz_.serve(q); };

  struct Want {
    std::string address;
    bool metrics = false;
    bool health = false;
  };
  std::vector<Want> wants;
  if (!options_.metricsAddress.empty()) wants.push_back({options_.metricsAddress, true, false});
  if (!options_.healthAddress.empty()) {
    // Port 0 asks for a fresh port each time, so only a fixed address is shared.
    bool anyPort = options_.healthAddress.ends_with(":0");
    if (!wants.empty() && wants[0].address == options_.healthAddress && !anyPort) {
      wants[0].health = true;
    } else {
      wants.push_back({options_.healthAddress, false, true});
    }
  }
  for (const auto& w : wants) {
    auto server = std::make_unique<HttpServer>();
    if (w.metrics) server->handle("/metrics", metricsRoute);
    if (w.health) {
      server->handle("/healthz", healthzRoute);
      server->handle("/readyz", readyzRoute);
    }
    if (auto err = server->listen(w.address))
      return (w.metrics ? "metrics server: " : "health server: ") + *err;
    if (w.metrics) metricsPort_ = server->port();
    if (w.health) healthPort_ = server->port();
    servers_.push_back(std::move(server));
  }
  for (auto& s : servers_)
    serverThreads_.emplace_back([server = s.get()](std::stop_token st) { server->serve(st); });
  return std::nullopt;
}

void Manager::startControllers() {
  std::lock_guard lock(controllersMu_);
  for (auto& c : controllers_) {
    ++controllersRunning_;
    controllerThreads_.emplace_back([this, c = c.get()](std::stop_token st) {
      if (auto err = c->start(st)) spdlog::error("{}", *err);
      std::lock_guard done(controllersMu_);
      --controllersRunning_;
      controllersCv_.notify_all();
    });
  }
  running_ = true;
}

void Manager::stopControllers() {
  std::vector<std::jthread> threads;
  {
    std::lock_guard lock(controllersMu_);
    threads.swap(controllerThreads_);
  }
  if (threads.empty()) {
    running_ = false;
    return;
  }
  for (auto& t : threads) t.request_stop();
  int inFlight = 0;
  for (const auto& c : controllers_) inFlight += c->inFlight();
  const auto drainMs = std::chrono::duration_cast<std::chrono::milliseconds>(options_.drainTimeout).count();
  spdlog::info(
      "manager: stopping: waiting for {} reconciles in flight (at most {} ms before their requests "
      "are cancelled)",
      inFlight, drainMs);
  bool drained;
  {
    std::unique_lock lock(controllersMu_);
    drained = controllersCv_.wait_for(lock, options_.drainTimeout, [&] { return controllersRunning_ == 0; });
  }
  if (!drained) {
    inFlight = 0;
    for (const auto& c : controllers_) inFlight += c->inFlight();
    if (options_.client) {
      spdlog::warn(
          "manager: stopping: {} reconciles still running after {} ms; cancelling their API requests",
          inFlight, drainMs);
      options_.client->shutdown();
    } else {
      spdlog::warn("manager: stopping: {} reconciles still running after {} ms; waiting for them", inFlight,
                   drainMs);
    }
  }
  threads.clear();  // joins: each controller waits for its reconciles in flight
  running_ = false;
}

std::optional<std::string> Manager::start() {
  if (started_.exchange(true)) return "manager: start called twice; a manager runs once";
  if (options_.leaderElection) {
    if (auto err = options_.leaderElection->validate()) return *err;
    if (!options_.client) return "manager: leader election needs a kube client";
  }
  if (auto err = serveHttp()) {
    setServing(false);
    for (auto& t : serverThreads_) t.request_stop();
    return err;
  }
  setServing(true);

  if (options_.handleSignals) {
    signalThread_ = std::jthread([this](std::stop_token st) {
      boost::asio::io_context ioc;
      boost::asio::signal_set signals(ioc, SIGTERM, SIGINT);
      std::function<void(const boost::system::error_code&, int)> onSignal =
          [&](const boost::system::error_code& ec, int sig) {
            if (ec) return;
            if (stop_.stop_requested()) {
              spdlog::error("second signal {}: exiting at once", sig);
              std::_Exit(1);
            }
            spdlog::info("signal {}: shutting down", sig);
            stop_.request_stop();
            signals.async_wait(onSignal);
          };
      signals.async_wait(onSignal);
      std::stop_callback quit(st, [&] { ioc.stop(); });
      ioc.run();
    });
  }

  std::optional<std::string> failure;
  if (informers_) {
    informers_->start();
    if (!informers_->waitForSync(stop_.get_token(), options_.cacheSyncTimeout) && !stop_.stop_requested()) {
      failure = "manager: caches did not sync within " +
                std::to_string(
                    std::chrono::duration_cast<std::chrono::seconds>(options_.cacheSyncTimeout).count()) +
                " s: " + readyz_.serve("").body;
      stop_.request_stop();
    }
  }
  if (!stop_.stop_requested() && options_.onCachesSynced) options_.onCachesSynced();

  if (!stop_.stop_requested()) {
    if (elector_) {
      electorThread_ = std::jthread([this](std::stop_token st) {
        LeaderCallbacks cb{[this] { startControllers(); }, [this] { stopControllers(); }};
        if (elector_->run(st, cb)) {
          lostLease_ = true;
          stop_.request_stop();
        }
      });
    } else {
      startControllers();
    }
  }

  {
    std::mutex m;
    std::condition_variable_any cv;
    std::unique_lock lock(m);
    cv.wait(lock, stop_.get_token(), [] { return false; });
  }
  spdlog::info("manager: stopping{}", elector_ ? " (controllers, then the lease, informers, endpoints)"
                                               : " (controllers, informers, endpoints)");
  if (auto err = shutDown()) return err;
  if (lostLease_) return "manager: leader election lost: " + elector_->lossDetail();
  return failure;
}

std::optional<std::string> Manager::shutDown() {
  // In order: controllers (through the elector, which releases the lease after they stop),
  // informers, then the endpoints, so /healthz answers until the end.
  const auto began = std::chrono::steady_clock::now();
  auto done = std::make_shared<std::atomic<bool>>(false);
  // What the shutdown is waiting for, for the message when the grace period runs out.
  auto step = std::make_shared<std::atomic<const char*>>("controllers");
  std::thread shutter([this, done, step] {
    if (electorThread_.joinable()) {
      *step = "controllers, then the lease release";
      electorThread_.request_stop();
      electorThread_.join();
    }
    *step = "controllers";
    stopControllers();
    *step = "informers";
    if (informers_) {
      spdlog::info("manager: stopping: waiting for {} informers", informers_->size());
      informers_->stop();
    }
    *step = "HTTP servers";
    for (auto& t : serverThreads_) t.request_stop();
    serverThreads_.clear();
    *step = "signal handler";
    if (signalThread_.joinable()) {
      signalThread_.request_stop();
      signalThread_.join();
    }
    *done = true;
  });
  auto deadline = std::chrono::steady_clock::now() + options_.gracePeriod;
  while (!*done && std::chrono::steady_clock::now() < deadline)
    std::this_thread::sleep_for(std::chrono::milliseconds(10));
  if (!*done) {
    shutter.detach();
    return "manager: shutdown did not finish within the grace period of " +
           std::to_string(std::chrono::duration_cast<std::chrono::seconds>(options_.gracePeriod).count()) +
           " s (still waiting for " + step->load() + ")";
  }
  shutter.join();
  spdlog::info("manager: stopped in {} ms",
               std::chrono::duration_cast<std::chrono::milliseconds>(std::chrono::steady_clock::now() - began)
                   .count());
  return std::nullopt;
}

}  // namespace iop::controller
