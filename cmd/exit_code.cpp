#include "cmd/verbs.h"

namespace iop::cmd {
namespace {
int gExitCode = 0;  // written once by the verb that ran; main() is single-threaded here
}
void setExitCode(int code) {
  gExitCode = code;
}
int exitCode() {
  return gExitCode;
}
}  // namespace iop::cmd
