#include "pipeline/router/severity.h"

#include "gtest/gtest.h"
#include "proto/riskflow/v1/decision.pb.h"

namespace riskflow {
namespace router {
namespace {

using ::riskflow::v1::Route;

constexpr Route U = riskflow::v1::ROUTE_UNSPECIFIED;
constexpr Route P = riskflow::v1::PASS;
constexpr Route N = riskflow::v1::NOTIFY;
constexpr Route M = riskflow::v1::MANUAL_REVIEW;
constexpr Route F = riskflow::v1::FREEZE;

TEST(SeverityTest, Order) {
  EXPECT_LT(Severity(U), Severity(P));
  EXPECT_LT(Severity(P), Severity(N));
  EXPECT_LT(Severity(N), Severity(M));
  EXPECT_LT(Severity(M), Severity(F));
}

TEST(SeverityTest, UnknownValueRanksBelowEverything) {
  const Route unknown = static_cast<Route>(99);
  EXPECT_LT(Severity(unknown), Severity(U));
  EXPECT_EQ(MergeRoutes(unknown, U), U);
  EXPECT_EQ(MergeRoutes(P, unknown), P);
}

// Every pair, written out by hand: the table is the specification.
TEST(MergeRoutesTest, ExhaustiveTable) {
  constexpr Route kRoutes[] = {U, P, N, M, F};
  constexpr Route kExpected[5][5] = {
      //      U  P  N  M  F
      /*U*/ {U, P, N, M, F},
      /*P*/ {P, P, N, M, F},
      /*N*/ {N, N, N, M, F},
      /*M*/ {M, M, M, M, F},
      /*F*/ {F, F, F, F, F},
  };
  for (int i = 0; i < 5; ++i) {
    for (int j = 0; j < 5; ++j) {
      EXPECT_EQ(MergeRoutes(kRoutes[i], kRoutes[j]), kExpected[i][j])
          << riskflow::v1::Route_Name(kRoutes[i]) << " + "
          << riskflow::v1::Route_Name(kRoutes[j]);
    }
  }
}

}  // namespace
}  // namespace router
}  // namespace riskflow
