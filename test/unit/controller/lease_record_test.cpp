// The lease decision rules of leader election, and the Lease spec round trip.
#include "controller/lease_record.h"

#include <catch2/catch.hpp>

using namespace iop::controller;
using namespace std::chrono_literals;

TEST_CASE("a lease may be taken when free, kept by its holder, and taken over only after it expired",
          "[leader]") {
  TimePoint seen = TimePoint{} + 100s;
  LeaseRecord held{"a", 15, "", "", 3};
  CHECK(mayAcquire(held, seen, seen + 1s, "a"));         // its own
  CHECK_FALSE(mayAcquire(held, seen, seen + 14s, "b"));  // another's, still fresh
  CHECK(mayAcquire(held, seen, seen + 15s, "b"));        // not renewed for the lease duration
  LeaseRecord released{"", 1, "", "", 3};
  CHECK(mayAcquire(released, seen, seen, "b"));  // released: at once
  LeaseRecord shortened{"a", 1, "", "", 3};
  CHECK(mayAcquire(shortened, seen, seen + 1s, "b"));
}

TEST_CASE("a lease record reads and writes the Lease spec fields", "[leader]") {
  nlohmann::json lease = {{"metadata", {{"name", "l"}, {"resourceVersion", "42"}}},
                          {"spec",
                           {{"holderIdentity", "pod-1"},
                            {"leaseDurationSeconds", 15},
                            {"acquireTime", "2026-11-28T20:00:00.000000Z"},
                            {"renewTime", "2026-11-28T20:00:10.000000Z"},
                            {"leaseTransitions", 2}}}};
  auto r = LeaseRecord::fromLease(lease);
  CHECK(r.holderIdentity == "pod-1");
  CHECK(r.leaseDurationSeconds == 15);
  CHECK(r.leaseTransitions == 2);
  r.holderIdentity = "";
  r.leaseDurationSeconds = 1;
  r.writeTo(lease);
  CHECK(lease["spec"]["holderIdentity"] == "");
  CHECK(lease["spec"]["leaseDurationSeconds"] == 1);
  CHECK(lease["metadata"]["resourceVersion"] == "42");  // the optimistic lock is kept
  CHECK(LeaseRecord::fromLease(nlohmann::json::object()).holderIdentity.empty());
}

TEST_CASE("micro times are RFC 3339 in UTC with six fractional digits", "[leader]") {
  auto t = std::chrono::system_clock::time_point{} + 1764360000s + 123456us;
  CHECK(microTime(t) == "2025-11-28T20:00:00.123456Z");
}
