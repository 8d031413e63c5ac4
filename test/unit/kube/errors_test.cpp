// API errors are values parsed from the server's metav1.Status.
#include "kube/errors.h"

#include <catch2/catch.hpp>

#include "kube/result.h"

using namespace iop::kube;

TEST_CASE("an Invalid Status keeps reason, message and field causes", "[kube][errors]") {
  auto body = R"({"kind":"Status","apiVersion":"v1","metadata":{},"status":"Failure",
    "message":"ConfigMap \"Bad\" is invalid: metadata.name: Invalid value: \"Bad\": a lowercase RFC 1123 subdomain",
    "reason":"Invalid","details":{"name":"Bad","kind":"ConfigMap","causes":[{"reason":"FieldValueInvalid",
    "message":"Invalid value: \"Bad\"","field":"metadata.name"}]},"code":422})";
  auto e = Error::fromResponse(422, body, "POST", "/api/v1/namespaces/a/configmaps");
  CHECK(e.kind == ErrorKind::Api);
  CHECK(e.httpStatus == 422);
  CHECK(isInvalid(e));
  CHECK_FALSE(isConflict(e));
  CHECK(e.details.name == "Bad");
  CHECK(e.details.kind == "ConfigMap");
  REQUIRE(e.details.causes.size() == 1);
  CHECK(e.details.causes[0].type == "FieldValueInvalid");
  CHECK(e.details.causes[0].field == "metadata.name");
  CHECK_THAT(e.describe(), Catch::StartsWith("POST /api/v1/namespaces/a/configmaps: 422 Invalid: ConfigMap"));
  CHECK_THAT(e.describe(), Catch::Contains("metadata.name: Invalid value"));
}

TEST_CASE("each predicate matches its reason and not the others", "[kube][errors]") {
  struct Case {
    int code;
    const char* reason;
    bool (*predicate)(const Error&);
  };
  std::vector<Case> cases{{404, "NotFound", isNotFound},
                          {409, "AlreadyExists", isAlreadyExists},
                          {409, "Conflict", isConflict},
                          {410, "Gone", isGone},
                          {410, "Expired", isGone},
                          {403, "Forbidden", isForbidden},
                          {401, "Unauthorized", isUnauthorized},
                          {422, "Invalid", isInvalid},
                          {429, "TooManyRequests", isTooManyRequests}};
  std::vector<bool (*)(const Error&)> all{isNotFound,  isAlreadyExists, isConflict, isGone,
                                          isForbidden, isUnauthorized,  isInvalid,  isTooManyRequests};
  for (const auto& c : cases) {
    nlohmann::json status{{"kind", "Status"}, {"reason", c.reason}, {"code", c.code}, {"message", "m"}};
    auto e = Error::fromResponse(c.code, status.dump());
    INFO(c.reason);
    CHECK(c.predicate(e));
    int matches = 0;
    for (auto p : all) matches += p(e) ? 1 : 0;
    CHECK(matches == 1);
  }
}

TEST_CASE("a body that is not a Status falls back to the HTTP code", "[kube][errors]") {
  auto e = Error::fromResponse(404, "404 page not found\n", "GET", "/apis/nope");
  CHECK(isNotFound(e));
  CHECK(e.reason == "NotFound");
  CHECK(e.message == "404 page not found");
  auto busy = Error::fromResponse(429, "");
  CHECK(isTooManyRequests(busy));
  auto server = Error::fromResponse(503, "<html>");
  CHECK(isServerError(server));
  CHECK_FALSE(isNotFound(server));
  std::string huge(10000, 'x');
  CHECK(Error::fromResponse(500, huge).message.size() < 600);
}

TEST_CASE("a watch ERROR object with code 410 is Gone", "[kube][errors]") {
  auto status = nlohmann::json::parse(
      R"j({"kind":"Status","apiVersion":"v1","metadata":{},"status":"Failure","message":"too old resource version: 1 (282)","reason":"Expired","code":410})j");
  auto e = Error::fromStatus(status, "WATCH", "/api/v1/configmaps");
  CHECK(e.httpStatus == 410);
  CHECK(isGone(e));
  CHECK_THAT(e.describe(), Catch::Contains("too old resource version"));
}

TEST_CASE("transport errors say which step failed and are not API errors", "[kube][errors]") {
  auto e = Error::transport("handshake", "TLS handshake with https://h:1 failed: certificate verify failed",
                            false);
  e.method = "GET";
  e.path = "/api";
  CHECK(isTransport(e));
  CHECK_FALSE(isNotFound(e));
  CHECK_FALSE(isGone(e));
  CHECK_FALSE(e.requestSent);
  CHECK(e.describe() ==
        "GET /api: handshake failed: TLS handshake with https://h:1 failed: certificate verify failed");
}

TEST_CASE("Result holds a value or an error", "[kube][errors]") {
  Result<int> ok = 3;
  REQUIRE(ok);
  CHECK(*ok == 3);
  CHECK(ok.valueOr(7) == 3);
  Result<int> bad = Error::invalid("no");
  REQUIRE_FALSE(bad);
  CHECK(bad.error().kind == ErrorKind::Invalid);
  CHECK(bad.valueOr(7) == 7);
  Result<void> done;
  CHECK(done.ok());
  Result<void> failed = Error::cancelled();
  CHECK(isCancelled(failed.error()));
}
