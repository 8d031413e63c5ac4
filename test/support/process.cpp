#include "test/support/process.h"

#include <fcntl.h>
#include <poll.h>
#include <signal.h>
#include <sys/resource.h>
#include <sys/wait.h>
#include <unistd.h>

#include <chrono>
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

LimitedResult runLimited(const std::vector<std::string>& argv, double seconds, long memoryBytes) {
  int out[2];
  if (pipe(out) != 0) throw std::runtime_error("pipe failed");
  const auto start = std::chrono::steady_clock::now();
  pid_t pid = fork();
  if (pid < 0) throw std::runtime_error("fork failed");
  if (pid == 0) {
    int devnull = open("/dev/null", O_RDONLY);
    dup2(devnull, 0);
    dup2(out[1], 1);
    dup2(out[1], 2);
    close(devnull), close(out[0]), close(out[1]);
    rlimit as{static_cast<rlim_t>(memoryBytes), static_cast<rlim_t>(memoryBytes)};
    setrlimit(RLIMIT_AS, &as);
    std::vector<char*> args;
    for (auto& a : argv) args.push_back(const_cast<char*>(a.c_str()));
    args.push_back(nullptr);
    execvp(args[0], args.data());
    _exit(127);
  }
  close(out[1]);
  LimitedResult r;
  const auto deadline = start + std::chrono::duration<double>(seconds);
  char buf[4096];
  for (;;) {
    auto left =
        std::chrono::duration_cast<std::chrono::milliseconds>(deadline - std::chrono::steady_clock::now());
    if (left.count() <= 0) {
      r.timedOut = true;
      kill(pid, SIGKILL);
      break;
    }
    pollfd p{out[0], POLLIN, 0};
    int ready = poll(&p, 1, static_cast<int>(left.count()));
    if (ready < 0) continue;
    if (ready == 0) continue;  // the deadline check above decides
    ssize_t n = read(out[0], buf, sizeof buf);
    if (n <= 0) break;  // the child closed its output: it ended (or closed it itself)
    if (r.out.size() < (1 << 20)) r.out.append(buf, static_cast<size_t>(n));
  }
  close(out[0]);
  int status = 0;
  rusage usage{};
  // Output closed is not the end: wait for the exit, still within the deadline.
  while (!r.timedOut && wait4(pid, &status, WNOHANG, &usage) == 0) {
    if (std::chrono::steady_clock::now() >= deadline) {
      r.timedOut = true;
      kill(pid, SIGKILL);
      break;
    }
    usleep(10'000);
  }
  if (r.timedOut) wait4(pid, &status, 0, &usage);
  r.seconds = std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();
  r.maxRssKiB = usage.ru_maxrss;
  if (WIFEXITED(status)) r.exitCode = WEXITSTATUS(status);
  if (WIFSIGNALED(status)) r.signal = WTERMSIG(status);
  return r;
}

}  // namespace iop::test
