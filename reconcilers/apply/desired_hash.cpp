#include "reconcilers/apply/desired_hash.h"

#include <cstdint>
#include <cstdio>

#include "reconcilers/apply/ownership.h"

namespace iop::reconcilers {

using json = nlohmann::json;

std::string desiredHash(const json& object) {
  json copy = object;
  if (copy.contains("metadata") && copy["metadata"].contains("annotations") &&
      copy["metadata"]["annotations"].is_object()) {
    copy["metadata"]["annotations"].erase(kDesiredHashAnnotation);
    if (copy["metadata"]["annotations"].empty()) copy["metadata"].erase("annotations");
  }
  std::uint64_t h = 1469598103934665603ULL;
  for (unsigned char c : copy.dump()) {
    h ^= c;
    h *= 1099511628211ULL;
  }
  char buf[17];
  std::snprintf(buf, sizeof buf, "%016llx", static_cast<unsigned long long>(h));
  return buf;
}

json withDesiredHash(json object) {
  std::string h = desiredHash(object);
  json& annotations = object["metadata"]["annotations"];
  if (!annotations.is_object()) annotations = json::object();
  annotations[kDesiredHashAnnotation] = h;
  return object;
}

std::string liveHash(const json& object) {
  if (!object.contains("metadata")) return "";
  const json annotations = object["metadata"].value("annotations", json::object());
  return annotations.is_object() ? annotations.value(kDesiredHashAnnotation, "") : "";
}

}  // namespace iop::reconcilers
