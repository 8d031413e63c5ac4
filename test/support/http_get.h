#pragma once

#include <string>

namespace iop::test {

struct HttpResult {
  int status = 0;  // 0 when no HTTP answer came (error says why)
  std::string body;
  std::string error;
};

// A plain-HTTP GET of http://127.0.0.1:port/target with a 5 s deadline. Blocks.
HttpResult httpGet(unsigned short port, const std::string& target);

}  // namespace iop::test
