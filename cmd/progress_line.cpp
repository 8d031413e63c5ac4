#include "cmd/progress_line.h"

#include <sys/ioctl.h>
#include <unistd.h>

#include <iostream>

namespace iop::cmd {

ProgressLine::ProgressLine(std::ostream& out, bool terminal, int columns, std::chrono::seconds logEvery)
    : out_(out), terminal_(terminal), columns_(columns < 20 ? 20 : columns), logEvery_(logEvery) {}

ProgressLine ProgressLine::forStdout() {
  const bool terminal = ::isatty(STDOUT_FILENO) == 1;
  winsize size{};
  int columns = 100;
  if (terminal && ::ioctl(STDOUT_FILENO, TIOCGWINSZ, &size) == 0 && size.ws_col > 0) columns = size.ws_col;
  return ProgressLine(std::cout, terminal, columns);
}

void ProgressLine::update(const std::string& text, const std::string& suffix) {
  const auto now = std::chrono::steady_clock::now();
  if (terminal_) {
    // Cut by bytes on a character boundary: UTF-8 continuation bytes are 10xxxxxx.
    std::string line = text + suffix;
    if (line.size() >= static_cast<std::size_t>(columns_)) {
      std::size_t cut = static_cast<std::size_t>(columns_) - 4;
      while (cut > 0 && (static_cast<unsigned char>(line[cut]) & 0xC0) == 0x80) --cut;
      line = line.substr(0, cut) + "...";
    }
    out_ << "\r\033[K" << line << std::flush;
    shown_ = true;
    return;
  }
  if (text == last_ && now - lastPrinted_ < logEvery_) return;
  out_ << text << suffix << "\n" << std::flush;
  last_ = text;
  lastPrinted_ = now;
}

void ProgressLine::clear() {
  if (!terminal_ || !shown_) return;
  out_ << "\r\033[K" << std::flush;
  shown_ = false;
}

}  // namespace iop::cmd
