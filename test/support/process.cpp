#include "test/support/process.h"

#include <fcntl.h>
#include <sys/wait.h>
#include <unistd.h>

#include <stdexcept>

namespace iop::test {

ProcessResult run(const std::vector<std::string>& argv, const std::string& stdinText, bool withStderr) {
  int out[2], in[2];
  if (pipe(out) != 0 || pipe(in) != 0) throw std::runtime_error("pipe failed");
  pid_t pid = fork();
  if (pid < 0) throw std::runtime_error("fork failed");
  if (pid == 0) {
    dup2(in[0], 0);
    dup2(out[1], 1);
    if (withStderr) {
      dup2(out[1], 2);
    } else {
      int devnull = open("/dev/null", O_WRONLY);
      dup2(devnull, 2);
      close(devnull);
    }
    close(in[0]), close(in[1]), close(out[0]), close(out[1]);
    std::vector<char*> args;
    for (auto& a : argv) args.push_back(const_cast<char*>(a.c_str()));
    args.push_back(nullptr);
    execvp(args[0], args.data());
    _exit(127);
  }
  close(in[0]);
  close(out[1]);
  // Write stdin fully before reading: test inputs are small, well under a pipe buffer.
  if (!stdinText.empty() && write(in[1], stdinText.data(), stdinText.size()) < 0) {
    // the child may have exited without reading; its exit code tells the story
  }
  close(in[1]);
  ProcessResult r;
  char buf[4096];
  ssize_t n;
  while ((n = read(out[0], buf, sizeof buf)) > 0) r.out.append(buf, static_cast<size_t>(n));
  close(out[0]);
  int status = 0;
  waitpid(pid, &status, 0);
  r.exitCode = WIFEXITED(status) ? WEXITSTATUS(status) : 128 + WTERMSIG(status);
  return r;
}

}  // namespace iop::test
