#include "controller/health.h"

namespace iop::controller {

void HealthChecks::add(std::string name, HealthCheck check) {
  std::lock_guard lock(mu_);
  checks_.emplace_back(std::move(name), std::move(check));
}

HttpResponse HealthChecks::serve(const std::string& query) const {
  std::vector<std::pair<std::string, HealthCheck>> checks;
  {
    std::lock_guard lock(mu_);
    checks = checks_;
  }
  bool verbose = query.find("verbose") != std::string::npos;
  bool allOk = true;
  std::string details;
  for (const auto& [name, check] : checks) {
    std::optional<std::string> failure;
    try {
      failure = check();
    } catch (const std::exception& e) {
      failure = std::string("check threw: ") + e.what();
    }
    if (failure) {
      allOk = false;
      details += "[-]" + name + " failed: " + *failure + "\n";
    } else {
      details += "[+]" + name + " ok\n";
    }
  }
  if (allOk)
    return HttpResponse{200, "text/plain; charset=utf-8", verbose ? details + "check passed\n" : "ok"};
  return HttpResponse{500, "text/plain; charset=utf-8", details + "check failed\n"};
}

}  // namespace iop::controller
