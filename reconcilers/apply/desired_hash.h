#pragma once

#include <nlohmann/json.hpp>
#include <string>

namespace iop::reconcilers {

// A stable digest (64-bit FNV-1a, 16 hex digits) of a rendered object, ignoring any
// desired-hash annotation it already carries. nlohmann::json keeps object keys sorted, so equal
// objects always serialize, and hash, the same. Not a security boundary: it only decides
// whether an apply can be skipped.
std::string desiredHash(const nlohmann::json& object);

// The object with metadata.annotations[kDesiredHashAnnotation] set to desiredHash(object).
nlohmann::json withDesiredHash(nlohmann::json object);

// The hash annotation of a live object, "" when absent.
std::string liveHash(const nlohmann::json& object);

}  // namespace iop::reconcilers
