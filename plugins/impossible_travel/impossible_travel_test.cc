#include <map>
#include <string>
#include <utility>
#include <vector>

#include "gtest/gtest.h"
#include "plugins/impossible_travel/impossible_travel_detector.h"
#include "plugins/sdk/fake_host.h"

namespace riskflow {
namespace impossible_travel {
namespace {

using sdk::FakeAnnotation;
using sdk::FakeEvent;
using sdk::FakeHost;
using Evidence = std::vector<std::pair<std::string, std::string>>;

constexpr int64_t kMinute = 60 * 1000;
constexpr int64_t kHour = 60 * kMinute;
constexpr int64_t kDay = 24 * kHour;
constexpr int64_t kT0 = 1767225600000;  // 2026-01-01T00:00:00Z

struct City {
  double lat, lon;
  const char* country;
};
constexpr City kShanghai{31.2304, 121.4737, "CN"};
constexpr City kSuzhou{31.2989, 120.5853, "CN"};   // 84.8 km from Shanghai
constexpr City kBeijing{39.9042, 116.4074, "CN"};  // 1067.3 km
constexpr City kLagos{6.5244, 3.3792, "NG"};       // 12225.6 km
constexpr City kParis{48.8566, 2.3522, "FR"};

FakeEvent At(const std::string& id, rf_event_type type, int64_t t,
             const City& c, const std::string& account = "acc1") {
  FakeEvent e = FakeEvent().Id(id).Type(type).At(t).Account(account);
  e.latitude = c.lat;
  e.longitude = c.lon;
  e.country = c.country;
  if (type == RF_EVENT_PAYOUT || type == RF_EVENT_PAYMENT) e.Amount(100, "USD");
  return e;
}
FakeEvent Login(const std::string& id, int64_t t, const City& c,
                const std::string& account = "acc1") {
  return At(id, RF_EVENT_LOGIN, t, c, account);
}

class ImpossibleTravelTest : public ::testing::Test {
 protected:
  void Start(const std::map<std::string, std::string>& params = {}) {
    ASSERT_TRUE(host_.Create(params).ok()) << host_.last_error();
  }
  std::vector<FakeAnnotation> Feed(const FakeEvent& e) {
    std::vector<FakeAnnotation> out;
    EXPECT_TRUE(host_.Feed(e, &out).ok()) << host_.last_error();
    return out;
  }
  std::vector<std::string> Reasons(const FakeEvent& e) {
    std::vector<std::string> reasons;
    for (const FakeAnnotation& a : Feed(e)) reasons.push_back(a.reason_code);
    return reasons;
  }
  FakeHost host_{riskflow_plugin_descriptor_v1()};
};

using Strings = std::vector<std::string>;

TEST_F(ImpossibleTravelTest, ShanghaiToLagosInAnHourIsImpossible) {
  Start();
  EXPECT_TRUE(Feed(Login("l1", kT0, kShanghai)).empty());  // first ever
  std::vector<FakeAnnotation> out = Feed(Login("l2", kT0 + kHour, kLagos));
  ASSERT_EQ(out.size(), 2u);
  EXPECT_EQ(out[0].reason_code, "IMPOSSIBLE_TRAVEL");
  EXPECT_EQ(out[0].route_hint, RF_ROUTE_NOTIFY);
  EXPECT_DOUBLE_EQ(out[0].score, 1.0);
  EXPECT_EQ(out[0].message,
            "CN -> NG: 12225.6 km in 1.00 h (12226 km/h, limit 900)");
  EXPECT_EQ(out[0].evidence, (Evidence{{"distance_km", "12225.6"},
                                       {"hours", "1.00"},
                                       {"speed_kmh", "12226"},
                                       {"from_country", "CN"},
                                       {"to_country", "NG"},
                                       {"from_event_id", "l1"},
                                       {"elapsed_ms", "3600000"},
                                       {"max_speed_kmh", "900"}}));
  EXPECT_EQ(out[1].reason_code, "NEW_COUNTRY");
  EXPECT_EQ(out[1].route_hint, RF_ROUTE_NOTIFY);
  EXPECT_EQ(out[1].message,
            "first event from NG in 365d (1 other countries known)");
  EXPECT_EQ(out[1].evidence, (Evidence{{"country", "NG"},
                                       {"known_countries", "1"},
                                       {"country_memory_ms", "31536000000"}}));
}

TEST_F(ImpossibleTravelTest, SpeedThresholdIsExclusive) {
  Start();
  // Shanghai -> Beijing at exactly 900 km/h takes 4269240.68 ms.
  Feed(Login("a1", kT0, kShanghai, "slow"));
  EXPECT_TRUE(Feed(Login("a2", kT0 + 4269241, kBeijing, "slow")).empty());
  Feed(Login("b1", kT0, kShanghai, "fast"));
  std::vector<FakeAnnotation> out =
      Feed(Login("b2", kT0 + 4269240, kBeijing, "fast"));
  ASSERT_EQ(out.size(), 1u);
  EXPECT_EQ(out[0].Evidence("speed_kmh"), "900");  // 900.0001, rounded
  EXPECT_EQ(out[0].Evidence("distance_km"), "1067.3");
  EXPECT_EQ(out[0].Evidence("hours"), "1.19");
}

TEST_F(ImpossibleTravelTest, BenignMovesDoNotFire) {
  Start();
  // A flight's worth of time: Shanghai -> Beijing in 2h (534 km/h).
  Feed(Login("l1", kT0, kShanghai));
  EXPECT_TRUE(Feed(Login("l2", kT0 + 2 * kHour, kBeijing)).empty());
  // GPS / IP noise: 84.8 km in one minute is fast, but below 100 km.
  Feed(Login("m1", kT0, kShanghai, "noise"));
  EXPECT_TRUE(Feed(Login("m2", kT0 + kMinute, kSuzhou, "noise")).empty());
  // Another account's place is not this account's.
  EXPECT_TRUE(Feed(Login("o1", kT0 + 2 * kHour + 1, kLagos, "other")).empty());
}

TEST_F(ImpossibleTravelTest, UnknownLocationsAndOtherTypesAreIgnored) {
  Start();
  Feed(Login("l1", kT0, kShanghai));
  // (0,0) without a country: unknown, touches nothing.
  FakeEvent unknown =
      FakeEvent().Id("u").Type(RF_EVENT_LOGIN).At(kT0 + 1).Account("acc1");
  EXPECT_TRUE(Feed(unknown).empty());
  // A DEPOSIT is not in `types`, wherever it comes from.
  EXPECT_TRUE(Feed(At("d", RF_EVENT_DEPOSIT, kT0 + 2, kLagos)).empty());
  // (0,0) with a country: the country counts, the coordinates do not.
  FakeEvent country_only = unknown;
  country_only.event_id = "c";
  country_only.country = "CN";
  EXPECT_TRUE(Feed(country_only).empty());
  country_only.event_id = "c2";
  country_only.country = "JP";
  EXPECT_EQ(Reasons(country_only), Strings{"NEW_COUNTRY"});
  // The stored place is still Shanghai at kT0: Beijing 3h later is fine.
  EXPECT_TRUE(Feed(Login("l2", kT0 + 3 * kHour, kBeijing)).empty());
}

TEST_F(ImpossibleTravelTest, LateEventIsComparedButDoesNotMoveTheAccount) {
  Start();
  Feed(Login("l1", kT0 + kHour, kShanghai));
  // Older than the stored place: compared either way round.
  EXPECT_EQ(Reasons(Login("late", kT0, kParis)),
            (Strings{"IMPOSSIBLE_TRAVEL", "NEW_COUNTRY"}));
  // Shanghai is still the latest place.
  EXPECT_TRUE(Feed(Login("l2", kT0 + 3 * kHour, kBeijing)).empty());
}

TEST_F(ImpossibleTravelTest, CountriesAreForgottenAfterCountryMemory) {
  Start();
  Feed(Login("cn", kT0, kShanghai));
  EXPECT_EQ(Reasons(Login("fr", kT0 + 300 * kDay, kParis)),
            Strings{"NEW_COUNTRY"});
  EXPECT_TRUE(Feed(Login("fr2", kT0 + 301 * kDay, kParis)).empty());
  // 365d after kT0 the window [kT0 + 1ms, ...] still starts in day 0.
  EXPECT_TRUE(Feed(Login("cn2", kT0 + 365 * kDay, kShanghai, "acc1")).empty());
  // A second account: CN on day 0 only, then 366 days later it is new.
  Feed(Login("b-cn", kT0, kShanghai, "acc2"));
  Feed(Login("b-fr", kT0 + 300 * kDay, kParis, "acc2"));
  std::vector<FakeAnnotation> out =
      Feed(Login("b-cn2", kT0 + 366 * kDay, kShanghai, "acc2"));
  ASSERT_EQ(out.size(), 1u);
  EXPECT_EQ(out[0].evidence, (Evidence{{"country", "CN"},
                                       {"known_countries", "1"},
                                       {"country_memory_ms", "31536000000"}}));
}

TEST_F(ImpossibleTravelTest, PayoutAfterAlertIsFrozenWithinTheWindow) {
  Start();
  Feed(Login("l1", kT0, kShanghai));
  Feed(Login("l2", kT0 + kHour, kLagos));  // IMPOSSIBLE_TRAVEL, NEW_COUNTRY
  // A PAYMENT is not a payout; same place, nothing new.
  EXPECT_TRUE(
      Feed(At("pm", RF_EVENT_PAYMENT, kT0 + kHour + kMinute, kLagos)).empty());
  std::vector<FakeAnnotation> out =
      Feed(At("po1", RF_EVENT_PAYOUT, kT0 + kHour + 30 * kMinute, kLagos));
  ASSERT_EQ(out.size(), 1u);
  EXPECT_EQ(out[0].reason_code, "PAYOUT_AFTER_LOCATION_ALERT");
  EXPECT_EQ(out[0].route_hint, RF_ROUTE_FREEZE);
  EXPECT_EQ(out[0].message,
            "payout 30 min after IMPOSSIBLE_TRAVEL,NEW_COUNTRY on event l2");
  EXPECT_EQ(out[0].evidence,
            (Evidence{{"alert_reason", "IMPOSSIBLE_TRAVEL,NEW_COUNTRY"},
                      {"alert_event_id", "l2"},
                      {"minutes_since_alert", "30"},
                      {"payout_window_ms", "3600000"}}));
  // A payout without a location still follows the alert: 1h - 1ms after.
  FakeEvent bare = FakeEvent()
                       .Id("po2")
                       .Type(RF_EVENT_PAYOUT)
                       .At(kT0 + 2 * kHour - 1)
                       .Account("acc1")
                       .Amount(1, "USD");
  out = Feed(bare);
  ASSERT_EQ(out.size(), 1u);
  EXPECT_EQ(out[0].Evidence("minutes_since_alert"), "59");
  // Exactly 1h after the alert: outside the payout's window (t - 1h, t]
  // (docs/windows.md); 1h + 1ms too.
  bare.event_id = "po3";
  bare.event_time_ms = kT0 + 2 * kHour;
  EXPECT_TRUE(Feed(bare).empty());
  bare.event_id = "po4";
  bare.event_time_ms = kT0 + 2 * kHour + 1;
  EXPECT_TRUE(Feed(bare).empty());
}

// country_memory at 1-day buckets: the window (t - 365d, t] is counted in
// whole days, so the edge is exact when t - 365d + 1 starts a day
// (docs/windows.md, "Buckets").
TEST_F(ImpossibleTravelTest, CountryMemoryEdgeIsHalfOpen) {
  Start();
  const int64_t t = kT0 - 1 + 365 * kDay;  // t - 365d + 1 == kT0, a midnight
  // CN exactly 365d before t (the last ms of the day before): forgotten.
  Feed(Login("a-cn", kT0 - 1, kShanghai, "a"));
  Feed(Login("a-fr", kT0 + 300 * kDay, kParis, "a"));
  EXPECT_EQ(Reasons(Login("a-cn2", t, kShanghai, "a")),
            Strings{"NEW_COUNTRY"});
  // CN 1 ms later, 365d - 1ms before t: still known.
  Feed(Login("b-cn", kT0, kShanghai, "b"));
  Feed(Login("b-fr", kT0 + 300 * kDay, kParis, "b"));
  EXPECT_TRUE(Feed(Login("b-cn2", t, kShanghai, "b")).empty());
  // Same millisecond: a country first seen at t is known to the next event
  // at t.
  Feed(Login("c-cn", kT0, kShanghai, "c"));
  EXPECT_EQ(Reasons(Login("c-fr", t, kParis, "c")), Strings{"NEW_COUNTRY"});
  EXPECT_TRUE(Feed(Login("c-fr2", t, kParis, "c")).empty());
}

// The alert and the payout in the same millisecond: inside (the payout's
// window ends at and includes its own time); 1 ms before the alert: not.
TEST_F(ImpossibleTravelTest, PayoutInTheAlertsMillisecondIsFrozen) {
  Start();
  Feed(Login("l1", kT0, kShanghai));
  Feed(Login("l2", kT0 + kHour, kLagos));
  EXPECT_EQ(Reasons(At("po1", RF_EVENT_PAYOUT, kT0 + kHour, kLagos)),
            Strings{"PAYOUT_AFTER_LOCATION_ALERT"});
  EXPECT_TRUE(Reasons(FakeEvent()
                          .Id("po0")
                          .Type(RF_EVENT_PAYOUT)
                          .At(kT0 + kHour - 1)
                          .Account("acc1")
                          .Amount(1, "USD"))
                  .empty());
}

TEST_F(ImpossibleTravelTest, PayoutThatIsItselfTheAlertIsFrozen) {
  Start();
  Feed(Login("l1", kT0, kShanghai));
  std::vector<FakeAnnotation> out =
      Feed(At("po", RF_EVENT_PAYOUT, kT0 + kHour, kParis));
  ASSERT_EQ(out.size(), 3u);
  EXPECT_EQ(out[0].reason_code, "IMPOSSIBLE_TRAVEL");
  EXPECT_EQ(out[1].reason_code, "NEW_COUNTRY");
  EXPECT_EQ(out[2].reason_code, "PAYOUT_AFTER_LOCATION_ALERT");
  EXPECT_EQ(out[2].Evidence("alert_event_id"), "po");
  EXPECT_EQ(out[2].Evidence("minutes_since_alert"), "0");
}

TEST_F(ImpossibleTravelTest, PayoutWithoutAlertPasses) {
  Start();
  Feed(Login("l1", kT0, kShanghai));
  EXPECT_TRUE(
      Feed(At("po", RF_EVENT_PAYOUT, kT0 + kMinute, kShanghai)).empty());
  // A first event ever that is a payout.
  EXPECT_TRUE(Feed(At("n", RF_EVENT_PAYOUT, kT0, kLagos, "new")).empty());
}

TEST(ImpossibleTravelGeoTest, HaversineAndPlaceRoundTrip) {
  EXPECT_NEAR(HaversineKm(48.8566, 2.3522, 51.5074, -0.1278), 343.556, 0.001);
  EXPECT_DOUBLE_EQ(HaversineKm(10, 20, 10, 20), 0);
  // Antipodes: half the circumference.
  EXPECT_NEAR(HaversineKm(0, 0, 0, 180), 3.14159265358979 * 6371, 1e-6);
  Place p{-33.8688, 151.2093, "A U", "id with spaces"};
  std::optional<Place> back = DecodePlace(EncodePlace(p));
  ASSERT_TRUE(back.has_value());
  EXPECT_EQ(back->latitude, p.latitude);
  EXPECT_EQ(back->longitude, p.longitude);
  EXPECT_EQ(back->country, p.country);
  EXPECT_EQ(back->event_id, p.event_id);
  EXPECT_FALSE(DecodePlace("garbage").has_value());
  EXPECT_FALSE(DecodePlace("1 2 9:CN").has_value());
}

TEST_F(ImpossibleTravelTest, DefaultsAreNormalised) {
  Start();
  EXPECT_EQ(host_.params().AsMap(),
            (std::map<std::string, std::string>{
                {"types", "LOGIN,PAYMENT,PAYOUT,TRANSFER"},
                {"max_speed_kmh", "900"},
                {"min_distance_km", "100"},
                {"country_memory", "31536000000ms"},
                {"payout_window", "3600000ms"},
                {"payout_types", "PAYOUT"}}));
}

std::string CreateError(const std::map<std::string, std::string>& params) {
  FakeHost host(riskflow_plugin_descriptor_v1());
  sdk::Status s = host.Create(params);
  EXPECT_FALSE(s.ok());
  return s.message();
}

TEST(ImpossibleTravelParamsTest, BadParamsAreRefusedByName) {
  EXPECT_EQ(CreateError({{"max_speed_kmh", "0"}}),
            "parameter 'max_speed_kmh': 0 is out of range [1, 1000000]");
  EXPECT_EQ(CreateError({{"max_speed_kmh", "fast"}}),
            "parameter 'max_speed_kmh': expected a number, got 'fast'");
  EXPECT_EQ(CreateError({{"min_distance_km", "-1"}}),
            "parameter 'min_distance_km': -1 is out of range [0, 20100]");
  EXPECT_EQ(CreateError({{"country_memory", "12h"}}),
            "parameter 'country_memory': 12h is out of range [1d, 3650d]");
  EXPECT_EQ(CreateError({{"payout_window", "31d"}}),
            "parameter 'payout_window': 31d is out of range [1s, 30d]");
  EXPECT_EQ(CreateError({{"types", "LOGIN,TELEPORT"}}),
            "parameter 'types': unknown event type 'TELEPORT'; known types "
            "are PAYMENT, PAYOUT, TRANSFER, REFUND, LOGIN, AUTH_FAILURE, "
            "PROFILE_CHANGE, BALANCE_SNAPSHOT, DEPOSIT");
  EXPECT_EQ(CreateError({{"payout_types", "PAYOUT,PAYOUT"}}),
            "parameter 'payout_types': event type 'PAYOUT' listed twice");
}

}  // namespace
}  // namespace impossible_travel
}  // namespace riskflow
