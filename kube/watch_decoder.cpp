#include "kube/watch_decoder.h"

namespace iop::kube {

bool LineSplitter::feed(std::string_view chunk, const std::function<bool(std::string_view)>& onLine) {
  auto emit = [&](std::string_view line) {
    if (!line.empty() && line.back() == '\r') line.remove_suffix(1);
    if (line.empty()) return true;
    return onLine(line);
  };
  std::size_t pos = 0;
  while (pos < chunk.size()) {
    auto nl = chunk.find('\n', pos);
    if (nl == std::string_view::npos) {
      tail_.append(chunk.substr(pos));
      return true;
    }
    bool more;
    if (!tail_.empty()) {
      tail_.append(chunk.substr(pos, nl - pos));
      std::string line;
      line.swap(tail_);
      more = emit(line);
    } else {
      more = emit(chunk.substr(pos, nl - pos));
    }
    pos = nl + 1;
    if (!more) return false;
  }
  return true;
}

std::string LineSplitter::takeRemainder() {
  std::string out;
  out.swap(tail_);
  return out;
}

const char* toString(WatchEvent::Type type) {
  switch (type) {
    case WatchEvent::Type::Added:
      return "ADDED";
    case WatchEvent::Type::Modified:
      return "MODIFIED";
    case WatchEvent::Type::Deleted:
      return "DELETED";
    case WatchEvent::Type::Bookmark:
      return "BOOKMARK";
    case WatchEvent::Type::Error:
      return "ERROR";
  }
  return "?";
}

const char* toString(WatchResult::End end) {
  switch (end) {
    case WatchResult::End::Closed:
      return "Closed";
    case WatchResult::End::Gone:
      return "Gone";
    case WatchResult::End::Stopped:
      return "Stopped";
    case WatchResult::End::Cancelled:
      return "Cancelled";
    case WatchResult::End::Failed:
      return "Failed";
  }
  return "?";
}

Result<WatchEvent> parseWatchEvent(std::string_view line) {
  auto j = nlohmann::json::parse(line, nullptr, false);
  auto excerpt = [&] { return std::string(line.substr(0, 200)) + (line.size() > 200 ? "..." : ""); };
  if (j.is_discarded()) return Error::decode("watch event is not valid JSON: " + excerpt());
  if (!j.is_object()) return Error::decode("watch event is not a JSON object: " + excerpt());
  auto type = j.find("type");
  if (type == j.end() || !type->is_string()) return Error::decode("watch event has no type: " + excerpt());
  WatchEvent ev;
  const auto& t = type->get_ref<const std::string&>();
  if (t == "ADDED") {
    ev.type = WatchEvent::Type::Added;
  } else if (t == "MODIFIED") {
    ev.type = WatchEvent::Type::Modified;
  } else if (t == "DELETED") {
    ev.type = WatchEvent::Type::Deleted;
  } else if (t == "BOOKMARK") {
    ev.type = WatchEvent::Type::Bookmark;
  } else if (t == "ERROR") {
    ev.type = WatchEvent::Type::Error;
  } else {
    return Error::decode("watch event has unknown type \"" + t + "\"");
  }
  auto object = j.find("object");
  if (object == j.end() || !object->is_object()) return Error::decode("watch " + t + " event has no object");
  ev.object = std::move(*object);
  return ev;
}

}  // namespace iop::kube
