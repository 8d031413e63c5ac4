#include "kube/clock.h"

namespace iop::kube {

Clock steadyClock() {
  return [] { return std::chrono::steady_clock::now(); };
}

}  // namespace iop::kube
