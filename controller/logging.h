#pragma once

#include <spdlog/formatter.h>
#include <spdlog/spdlog.h>

#include <memory>
#include <optional>
#include <string>
#include <string_view>

namespace iop::controller {

enum class LogFormat { Text, Json };

// "text" or "json"; nullopt for anything else.
std::optional<LogFormat> parseLogFormat(std::string_view name);

// Makes spdlog's default logger write to stderr in format at level and above. Call once at
// startup, before other threads log (spdlog's default-logger swap is not atomic w.r.t. them).
void setupLogging(LogFormat format, spdlog::level::level_enum level);

// The formatter setupLogging installs; exposed so tests can format a message. One line per
// message. Text: `2026-11-28T20:10:00.123Z info controller=c key=ns/n message`; JSON: one
// object with ts, level, msg and, when set, controller and key.
std::unique_ptr<spdlog::formatter> makeLogFormatter(LogFormat format);

// While alive, every log line written by this thread carries controller and key (the worker
// sets it around each reconcile, so the reconciler's own lines carry them too). Nests:
// the previous context comes back on destruction. Not movable; lives on the stack.
class LogContext {
 public:
  LogContext(std::string controller, std::string key);
  ~LogContext();
  LogContext(const LogContext&) = delete;
  LogContext& operator=(const LogContext&) = delete;

 private:
  std::string prevController_;
  std::string prevKey_;
};

}  // namespace iop::controller
