#include "controller/logging.h"

#include <spdlog/sinks/stdout_sinks.h>

#include <ctime>
#include <nlohmann/json.hpp>

namespace iop::controller {

namespace {

thread_local std::string tlController;
thread_local std::string tlKey;

std::string timestamp(spdlog::log_clock::time_point t) {
  auto secs = std::chrono::time_point_cast<std::chrono::seconds>(t);
  auto millis = std::chrono::duration_cast<std::chrono::milliseconds>(t - secs).count();
  std::time_t tt = spdlog::log_clock::to_time_t(secs);
  std::tm tm{};
  gmtime_r(&tt, &tm);
  char buf[40];
  std::size_t n = std::strftime(buf, sizeof buf, "%Y-%m-%dT%H:%M:%S", &tm);
  std::snprintf(buf + n, sizeof buf - n, ".%03dZ", static_cast<int>(millis));
  return buf;
}

std::string_view levelName(spdlog::level::level_enum l) {
  auto sv = spdlog::level::to_string_view(l);
  return std::string_view(sv.data(), sv.size());
}

class Formatter final : public spdlog::formatter {
 public:
  explicit Formatter(LogFormat format) : format_(format) {}

  void format(const spdlog::details::log_msg& msg, spdlog::memory_buf_t& dest) override {
    std::string_view text(msg.payload.data(), msg.payload.size());
    std::string line;
    if (format_ == LogFormat::Json) {
      nlohmann::ordered_json j;
      j["ts"] = timestamp(msg.time);
      j["level"] = levelName(msg.level);
      if (msg.logger_name.size() > 0)
        j["logger"] = std::string(msg.logger_name.data(), msg.logger_name.size());
      j["msg"] = text;
      if (!tlController.empty()) j["controller"] = tlController;
      if (!tlKey.empty()) j["key"] = tlKey;
      line = j.dump(-1, ' ', false, nlohmann::json::error_handler_t::replace);
    } else {
      line = timestamp(msg.time);
      line += ' ';
      line += levelName(msg.level);
      if (!tlController.empty()) line += " controller=" + tlController;
      if (!tlKey.empty()) line += " key=" + tlKey;
      line += ' ';
      line += text;
    }
    line += '\n';
    dest.append(line.data(), line.data() + line.size());
  }

  std::unique_ptr<spdlog::formatter> clone() const override { return std::make_unique<Formatter>(format_); }

 private:
  LogFormat format_;
};

}  // namespace

std::optional<LogFormat> parseLogFormat(std::string_view name) {
  if (name == "text") return LogFormat::Text;
  if (name == "json") return LogFormat::Json;
  return std::nullopt;
}

std::unique_ptr<spdlog::formatter> makeLogFormatter(LogFormat format) {
  return std::make_unique<Formatter>(format);
}

void setupLogging(LogFormat format, spdlog::level::level_enum level) {
  auto sink = std::make_shared<spdlog::sinks::stderr_sink_mt>();
  sink->set_formatter(makeLogFormatter(format));
  auto logger = std::make_shared<spdlog::logger>("", std::move(sink));
  logger->set_level(level);
  spdlog::set_default_logger(std::move(logger));
}

LogContext::LogContext(std::string controller, std::string key)
    : prevController_(std::exchange(tlController, std::move(controller))),
      prevKey_(std::exchange(tlKey, std::move(key))) {}

LogContext::~LogContext() {
  tlController = std::move(prevController_);
  tlKey = std::move(prevKey_);
}

}  // namespace iop::controller
