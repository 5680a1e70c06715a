#include <map>
#include <string>
#include <utility>
#include <vector>

#include "gtest/gtest.h"
#include "plugins/auth_failures/auth_failures_detector.h"
#include "plugins/sdk/fake_host.h"

namespace riskflow {
namespace auth_failures {
namespace {

using sdk::FakeAnnotation;
using sdk::FakeEvent;
using sdk::FakeHost;
using Evidence = std::vector<std::pair<std::string, std::string>>;

constexpr int64_t kSecond = 1000;
constexpr int64_t kMinute = 60 * kSecond;
// 2026-01-01T00:00:00Z, as in the scenario streams.
constexpr int64_t kT0 = 1767225600000;

FakeEvent Failure(const std::string& id, int64_t t,
                  const std::string& account = "acc1") {
  return FakeEvent().Id(id).Type(RF_EVENT_AUTH_FAILURE).At(t).Account(account);
}
FakeEvent Login(const std::string& id, int64_t t,
                const std::string& account = "acc1") {
  return FakeEvent().Id(id).Type(RF_EVENT_LOGIN).At(t).Account(account);
}

class AuthFailuresTest : public ::testing::Test {
 protected:
  void Start(const std::map<std::string, std::string>& params = {}) {
    ASSERT_TRUE(host_.Create(params).ok()) << host_.last_error();
  }
  std::vector<FakeAnnotation> Feed(const FakeEvent& e) {
    std::vector<FakeAnnotation> out;
    EXPECT_TRUE(host_.Feed(e, &out).ok()) << host_.last_error();
    return out;
  }
  // Feeds n failures one second apart from t; expects none to annotate.
  void QuietFailures(const std::string& account, int n, int64_t t) {
    for (int i = 0; i < n; ++i) {
      EXPECT_TRUE(Feed(Failure(account + "-f" + std::to_string(i),
                               t + i * kSecond, account))
                      .empty())
          << "failure " << i << " of " << account;
    }
  }
  FakeHost host_{riskflow_plugin_descriptor_v1()};
};

TEST_F(AuthFailuresTest, BurstFiresOnTheNthFailureAndEachFurtherOne) {
  Start();
  QuietFailures("acc1", 4, kT0);
  std::vector<FakeAnnotation> out = Feed(Failure("f5", kT0 + 4 * kSecond));
  ASSERT_EQ(out.size(), 1u);
  EXPECT_EQ(out[0].detector, "auth_failures");
  EXPECT_EQ(out[0].reason_code, "AUTH_FAILURE_BURST");
  EXPECT_EQ(out[0].route_hint, RF_ROUTE_FREEZE);
  EXPECT_DOUBLE_EQ(out[0].score, 0.5);  // 5 / (2 * 5)
  EXPECT_EQ(out[0].message, "5 failed logins in 10m (burst at 5)");
  EXPECT_EQ(out[0].evidence, (Evidence{{"failures", "5"},
                                       {"window_ms", "600000"},
                                       {"max_failures", "5"}}));

  out = Feed(Failure("f6", kT0 + 5 * kSecond));
  ASSERT_EQ(out.size(), 1u);
  EXPECT_EQ(out[0].Evidence("failures"), "6");
  EXPECT_DOUBLE_EQ(out[0].score, 0.6);
}

TEST_F(AuthFailuresTest, JustUnderTheLimitAndOtherAccountsDoNotFire) {
  Start();
  QuietFailures("acc1", 4, kT0);
  QuietFailures("acc2", 4, kT0);  // each account has its own count
  // Other event types, and failures without an account, are not counted.
  EXPECT_TRUE(Feed(FakeEvent()
                       .Id("p1")
                       .Type(RF_EVENT_PAYMENT)
                       .At(kT0 + 5 * kSecond)
                       .Account("acc1"))
                  .empty());
  for (int i = 0; i < 10; ++i) {
    EXPECT_TRUE(Feed(Failure("n" + std::to_string(i), kT0, "")).empty());
  }
  EXPECT_EQ(Feed(Failure("f5", kT0 + 6 * kSecond)).size(), 1u);
}

TEST_F(AuthFailuresTest, OldFailuresSlideOutAtSecondGranularity) {
  Start();
  // Failures at 0s..3s, then the fifth 10m + 999ms after the first: the
  // window [1s, 600.999s] covers buckets 1..600, so bucket 0 is gone.
  QuietFailures("early", 4, kT0);
  EXPECT_TRUE(Feed(Failure("e5", kT0 + 10 * kMinute + 999, "early")).empty());
  // Exactly 10m after the first: the window starts at 1ms, in bucket 0.
  QuietFailures("edge", 4, kT0);
  std::vector<FakeAnnotation> out =
      Feed(Failure("g5", kT0 + 10 * kMinute, "edge"));
  ASSERT_EQ(out.size(), 1u);
  EXPECT_EQ(out[0].Evidence("failures"), "5");
}

TEST_F(AuthFailuresTest, LoginAfterFailuresNotifiesOnce) {
  Start();
  QuietFailures("acc1", 3, kT0);
  std::vector<FakeAnnotation> out = Feed(Login("l1", kT0 + 5 * kMinute));
  ASSERT_EQ(out.size(), 1u);
  EXPECT_EQ(out[0].reason_code, "LOGIN_AFTER_FAILURES");
  EXPECT_EQ(out[0].route_hint, RF_ROUTE_NOTIFY);
  EXPECT_DOUBLE_EQ(out[0].score, 0.5);  // 3 / (2 * 3)
  EXPECT_EQ(out[0].message, "successful login after 3 failed logins in 10m");
  EXPECT_EQ(out[0].evidence, (Evidence{{"failures_before", "3"},
                                       {"success_window_ms", "600000"},
                                       {"burst_failures", "3"}}));
  // The same failures do not make a second login suspicious...
  EXPECT_TRUE(Feed(Login("l2", kT0 + 6 * kMinute)).empty());
  // ...but three new ones after it do (once the first three left the burst
  // window, so these do not make a burst of six).
  QuietFailures("acc1", 3, kT0 + 12 * kMinute);
  out = Feed(Login("l3", kT0 + 13 * kMinute));
  ASSERT_EQ(out.size(), 1u);
  EXPECT_EQ(out[0].Evidence("failures_before"), "3");
  // Looked back only to l2.
  EXPECT_EQ(out[0].message, "successful login after 3 failed logins in 7m");
}

TEST_F(AuthFailuresTest, LoginNearMissesDoNotNotify) {
  Start();
  // Two failures are below burst_failures.
  QuietFailures("two", 2, kT0);
  EXPECT_TRUE(Feed(Login("l-two", kT0 + kMinute, "two")).empty());
  // Three failures, but the login comes 10m + 2s after the last of them:
  // the window [2.001s, 602s] covers buckets 2..602, the failures were in
  // buckets 0..2 -> one is left.
  QuietFailures("late", 3, kT0);
  EXPECT_TRUE(
      Feed(Login("l-late", kT0 + 10 * kMinute + 4 * kSecond, "late")).empty());
  // A first login ever, with no failures at all.
  EXPECT_TRUE(Feed(Login("l-new", kT0, "new")).empty());
}

TEST_F(AuthFailuresTest, LoginSeesFailuresAtTheEdgeOfItsWindow) {
  Start();
  QuietFailures("acc1", 3, kT0);  // buckets 0, 1, 2
  // Login at 10m: window [1ms, 600s] -> buckets 0..600, all three.
  std::vector<FakeAnnotation> out = Feed(Login("l1", kT0 + 10 * kMinute));
  ASSERT_EQ(out.size(), 1u);
  EXPECT_EQ(out[0].Evidence("failures_before"), "3");
}

// The windows are (t - 10m, t] at 1 s buckets (docs/windows.md). With
// t = kT0 - 1 + 10m the window starts exactly at a bucket (kT0), so the
// edge is exact: a failure at t - 10m = kT0 - 1 is outside, one at
// t - 10m + 1ms = kT0 inside, and failures in t's own millisecond count.
TEST_F(AuthFailuresTest, BurstWindowEdgeIsHalfOpen) {
  Start();
  const int64_t t = kT0 - 1 + 10 * kMinute;
  Feed(Failure("o1", kT0 - 1, "out"));
  QuietFailures("out", 3, kT0 + kSecond);
  EXPECT_TRUE(Feed(Failure("o5", t, "out")).empty());  // 4 in the window

  QuietFailures("in", 4, kT0);
  std::vector<FakeAnnotation> out = Feed(Failure("i5", t, "in"));
  ASSERT_EQ(out.size(), 1u);
  EXPECT_EQ(out[0].Evidence("failures"), "5");

  for (int i = 0; i < 4; ++i) {
    EXPECT_TRUE(Feed(Failure("s" + std::to_string(i), t, "same")).empty());
  }
  out = Feed(Failure("s5", t, "same"));
  ASSERT_EQ(out.size(), 1u);
  EXPECT_EQ(out[0].Evidence("failures"), "5");
}

TEST_F(AuthFailuresTest, LoginWindowEdgeIsHalfOpen) {
  Start();
  const int64_t t = kT0 - 1 + 10 * kMinute;
  Feed(Failure("o1", kT0 - 1, "out"));
  QuietFailures("out", 2, kT0 + kSecond);
  EXPECT_TRUE(Feed(Login("lo", t, "out")).empty());  // 2 in the window

  QuietFailures("in", 3, kT0);
  std::vector<FakeAnnotation> out = Feed(Login("li", t, "in"));
  ASSERT_EQ(out.size(), 1u);
  EXPECT_EQ(out[0].Evidence("failures_before"), "3");

  for (int i = 0; i < 3; ++i) {
    Feed(Failure("s" + std::to_string(i), t, "same"));
  }
  out = Feed(Login("ls", t, "same"));
  ASSERT_EQ(out.size(), 1u);
  EXPECT_EQ(out[0].Evidence("failures_before"), "3");
}

TEST_F(AuthFailuresTest, BurstAndLoginWindowsAreIndependent) {
  Start({{"max_failures", "4"},
         {"window", "1m"},
         {"burst_failures", "2"},
         {"success_window", "30m"}});
  // Four failures over 3 minutes never make a 1m burst...
  for (int i = 0; i < 4; ++i) {
    EXPECT_TRUE(
        Feed(Failure("f" + std::to_string(i), kT0 + i * kMinute)).empty());
  }
  // ...but the 30m login window still sees all four.
  std::vector<FakeAnnotation> out = Feed(Login("l1", kT0 + 20 * kMinute));
  ASSERT_EQ(out.size(), 1u);
  EXPECT_EQ(out[0].evidence, (Evidence{{"failures_before", "4"},
                                       {"success_window_ms", "1800000"},
                                       {"burst_failures", "2"}}));
}

TEST_F(AuthFailuresTest, LateLoginDoesNotMoveTheMarkerBack) {
  Start();
  QuietFailures("acc1", 3, kT0);
  EXPECT_EQ(Feed(Login("l5", kT0 + 5 * kMinute)).size(), 1u);
  // Arrives late: it looks back the full success_window (it was in fact the
  // first success after the failures) but leaves the marker at l5.
  EXPECT_EQ(Feed(Login("l1", kT0 + kMinute)).size(), 1u);
  EXPECT_TRUE(Feed(Login("l6", kT0 + 6 * kMinute)).empty());
}

TEST_F(AuthFailuresTest, LoginAfterABurstIsNotifiedToo) {
  Start();
  QuietFailures("acc1", 4, kT0);
  ASSERT_EQ(Feed(Failure("f5", kT0 + 4 * kSecond)).size(), 1u);
  std::vector<FakeAnnotation> out = Feed(Login("l1", kT0 + kMinute));
  ASSERT_EQ(out.size(), 1u);
  EXPECT_EQ(out[0].reason_code, "LOGIN_AFTER_FAILURES");
  EXPECT_EQ(out[0].Evidence("failures_before"), "5");
}

TEST_F(AuthFailuresTest, DefaultsAreNormalised) {
  Start();
  EXPECT_EQ(host_.params().AsMap(), (std::map<std::string, std::string>{
                                        {"max_failures", "5"},
                                        {"window", "600000ms"},
                                        {"burst_failures", "3"},
                                        {"success_window", "600000ms"}}));
}

std::string CreateError(const std::map<std::string, std::string>& params) {
  FakeHost host(riskflow_plugin_descriptor_v1());
  sdk::Status s = host.Create(params);
  EXPECT_FALSE(s.ok());
  return s.message();
}

TEST(AuthFailuresParamsTest, BadParamsAreRefusedByName) {
  EXPECT_EQ(CreateError({{"max_failures", "0"}}),
            "parameter 'max_failures': 0 is out of range [1, 1000000]");
  EXPECT_EQ(CreateError({{"max_failures", "five"}}),
            "parameter 'max_failures': expected an integer, got 'five'");
  EXPECT_EQ(CreateError({{"window", "500ms"}}),
            "parameter 'window': 500ms is out of range [1s, 1d]");
  EXPECT_EQ(CreateError({{"burst_failures", "-1"}}),
            "parameter 'burst_failures': -1 is out of range [1, 1000000]");
  EXPECT_EQ(CreateError({{"success_window", "2d"}}),
            "parameter 'success_window': 2d is out of range [1s, 1d]");
  EXPECT_EQ(CreateError({{"max_failure", "3"}}),
            "parameter 'max_failure': unknown parameter; expected one of: "
            "max_failures, window, burst_failures, success_window");
}

}  // namespace
}  // namespace auth_failures
}  // namespace riskflow
