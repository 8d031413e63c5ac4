#pragma once

#include <chrono>
#include <ostream>
#include <string>

// What a CLI verb that waits prints while it waits: on a terminal one line rewritten in place
// (cut to the terminal's width), in a log (a pipe, a file, CI) a line each time the text changes
// and at least every `logEvery` while it does not, so a log shows both what changed and that
// the wait goes on. Not thread-safe: one waiting loop owns it.
namespace iop::cmd {

class ProgressLine {
 public:
  // `terminal`: whether `out` is a terminal (isatty), `columns` its width.
  ProgressLine(std::ostream& out, bool terminal, int columns = 100,
               std::chrono::seconds logEvery = std::chrono::seconds(10));
  // For standard output: a terminal when isatty(1), its width from TIOCGWINSZ.
  static ProgressLine forStdout();
  ~ProgressLine() { clear(); }

  // Shows `text` and then `suffix` (one line, no newline), as described above; only `text`
  // counts as a change (the suffix is for what changes all the time, like the time waited).
  void update(const std::string& text, const std::string& suffix = "");
  // Removes the line from a terminal, so what is printed next starts on a clean line.
  void clear();

 private:
  std::ostream& out_;
  bool terminal_;
  int columns_;
  std::chrono::seconds logEvery_;
  std::string last_;
  std::chrono::steady_clock::time_point lastPrinted_{};
  bool shown_ = false;  // a terminal line is on screen
};

}  // namespace iop::cmd
