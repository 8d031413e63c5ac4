#include <catch2/catch.hpp>

#include "kube/resource.h"

using iop::kube::compareResourceVersions;

TEST_CASE("resourceVersions compare as the integers they are, whatever their length", "[kube]") {
  CHECK(compareResourceVersions("9", "10") == -1);
  CHECK(compareResourceVersions("10", "9") == 1);
  CHECK(compareResourceVersions("12345", "12345") == 0);
  CHECK(compareResourceVersions("12345", "12346") == -1);
  CHECK(compareResourceVersions("99999999999999999999", "100000000000000000000") == -1);
}

TEST_CASE("resourceVersions that are not positive integers do not compare", "[kube]") {
  CHECK_FALSE(compareResourceVersions("", "1").has_value());
  CHECK_FALSE(compareResourceVersions("0", "1").has_value());
  CHECK_FALSE(compareResourceVersions("01", "1").has_value());
  CHECK_FALSE(compareResourceVersions("1", "1a").has_value());
  CHECK_FALSE(compareResourceVersions("-1", "1").has_value());
}
