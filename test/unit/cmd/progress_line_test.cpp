// What a waiting verb prints: one line rewritten on a terminal, lines in a log.
#include "cmd/progress_line.h"

#include <catch2/catch.hpp>
#include <sstream>

using iop::cmd::ProgressLine;

TEST_CASE("on a terminal the progress line is rewritten in place, cut to the width, and cleared", "[cli]") {
  std::ostringstream out;
  {
    ProgressLine line(out, true, 30);
    line.update("Waiting for 1 workload", " [3s]");
    line.update("Waiting for 1 workload: Deployment istio-system/istiod-1-8-0", " [4s]");
  }
  CHECK(out.str() ==
        "\r\033[KWaiting for 1 workload [3s]"
        "\r\033[KWaiting for 1 workload: De..."
        "\r\033[K");
}

TEST_CASE("in a log a progress line is printed when its text changes, not every time the clock does",
          "[cli]") {
  std::ostringstream out;
  ProgressLine line(out, false, 30, std::chrono::seconds(60));
  line.update("Waiting for 2 workloads", " [2s]");
  line.update("Waiting for 2 workloads", " [3s]");
  line.update("Waiting for 1 workload", " [4s]");
  line.clear();
  CHECK(out.str() == "Waiting for 2 workloads [2s]\nWaiting for 1 workload [4s]\n");
}
