// The static world the generator draws accounts from: home countries with
// their currencies and cities, far-away places for account takeovers,
// cross-border destinations, the reference FX rates and the detector limits
// of pipeline/config/all_detectors.yaml that benign traffic must stay under.
#ifndef RISKFLOW_TOOLS_DATAGEN_WORLD_H_
#define RISKFLOW_TOOLS_DATAGEN_WORLD_H_

#include <cstdint>
#include <string_view>
#include <vector>

namespace riskflow::datagen {

inline constexpr int64_t kSecondMs = 1000;
inline constexpr int64_t kMinuteMs = 60 * kSecondMs;
inline constexpr int64_t kHourMs = 60 * kMinuteMs;
inline constexpr int64_t kDayMs = 24 * kHourMs;

struct City {
  const char* name;
  double latitude;
  double longitude;
  int tz_hours;  // fixed UTC offset; no DST, the curve is coarse anyway
};

struct HomeCountry {
  const char* country;   // ISO-3166 alpha-2
  const char* currency;  // ISO-4217
  double weight;         // share of accounts
  // CNY per major unit: scales CNY-denominated budgets and limits into the
  // home currency (and matches large_payout's rates for GBP and HKD).
  double cny_per_unit;
  std::vector<City> cities;
};

// A foreign place an account takeover logs in from.
struct Place {
  const char* country;
  City city;
};

const std::vector<HomeCountry>& HomeCountries();
const std::vector<Place>& FraudPlaces();
// Countries a large cross-border payout goes to; none forms an allowed
// corridor (CN-HK, HK-CN) with a home country.
const std::vector<const char*>& CrossBorderDestinations();
// Where benign travellers go on holiday or business (hard negatives).
const std::vector<Place>& TravelPlaces();

// Index of `country` in one table of every country the generator uses
// (homes, fraud places, destinations), for per-account bitmasks; -1 if
// unknown.
int CountryIndex(std::string_view country);

// fx_sanity's reference rate for SRC/CNY (units of CNY per unit of SRC), 0
// when the pair is not configured.
double ReferenceRateToCny(std::string_view source_currency);

// Relative session intensity at a local hour of day (0..23), max 1: quiet
// nights, a lunch peak and an evening peak.
double HourIntensity(int local_hour);

// Great-circle distance as impossible_travel computes it (R = 6371 km).
double HaversineKm(double lat1, double lon1, double lat2, double lon2);

// Limits from pipeline/config/all_detectors.yaml, in CNY minor units unless
// named otherwise. Benign traffic keeps well under them; anomalies go over.
namespace limits {
inline constexpr int64_t kLargePayoutCny = 10000000;
inline constexpr int64_t kLargePayoutUsd = 1500000;
inline constexpr int64_t kLargePayoutEur = 1300000;
inline constexpr int64_t kNewBeneficiaryCny = 5000000;
inline constexpr int64_t kNewBeneficiaryUsd = 700000;
inline constexpr int64_t kCrossBorderCny = 5000000;
inline constexpr int64_t kCrossBorderUsd = 700000;
inline constexpr int64_t kVelocity1hCny = 20000000;
inline constexpr int64_t kVelocity1dCny = 50000000;
inline constexpr int64_t kVelocity1hUsd = 3000000;
inline constexpr int kVelocityBurstMax = 5;  // per 1m
inline constexpr int64_t kDuplicateWindowMs = 10 * kMinuteMs;
inline constexpr int kAuthMaxFailures = 5;
inline constexpr int64_t kAuthWindowMs = 10 * kMinuteMs;
inline constexpr double kMaxSpeedKmh = 900;
inline constexpr double kMinDistanceKm = 100;
inline constexpr int64_t kPayoutAfterAlertMs = kHourMs;
inline constexpr int kUnknownMinKnown = 3;
}  // namespace limits

}  // namespace riskflow::datagen

#endif  // RISKFLOW_TOOLS_DATAGEN_WORLD_H_
