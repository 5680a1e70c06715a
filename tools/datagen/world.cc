#include "tools/datagen/world.h"

#include <algorithm>
#include <cmath>
#include <string>

namespace riskflow::datagen {

const std::vector<HomeCountry>& HomeCountries() {
  // Several cities per country so accounts can travel domestically at
  // plausible speeds (benign travel abroad would be a NEW_COUNTRY alert by
  // design, see plugins/impossible_travel/README.md).
  static const auto* kHomes = new std::vector<HomeCountry>{
      {"CN",
       "CNY",
       0.45,
       1.0,
       {{"Shanghai", 31.2304, 121.4737, 8},
        {"Beijing", 39.9042, 116.4074, 8},
        {"Shenzhen", 22.5431, 114.0579, 8},
        {"Chengdu", 30.5728, 104.0668, 8},
        {"Hangzhou", 30.2741, 120.1551, 8}}},
      {"US",
       "USD",
       0.25,
       7.10,
       {{"New York", 40.7128, -74.0060, -5},
        {"Chicago", 41.8781, -87.6298, -6},
        {"Los Angeles", 34.0522, -118.2437, -8},
        {"Houston", 29.7604, -95.3698, -6}}},
      {"DE",
       "EUR",
       0.10,
       7.80,
       {{"Berlin", 52.5200, 13.4050, 1},
        {"Munich", 48.1351, 11.5820, 1},
        {"Hamburg", 53.5511, 9.9937, 1}}},
      {"FR",
       "EUR",
       0.08,
       7.80,
       {{"Paris", 48.8566, 2.3522, 1},
        {"Lyon", 45.7640, 4.8357, 1},
        {"Marseille", 43.2965, 5.3698, 1}}},
      {"GB",
       "GBP",
       0.07,
       9.0,
       {{"London", 51.5074, -0.1278, 0},
        {"Manchester", 53.4808, -2.2426, 0},
        {"Edinburgh", 55.9533, -3.1883, 0}}},
      {"HK", "HKD", 0.05, 0.91, {{"Hong Kong", 22.3193, 114.1694, 8}}},
  };
  return *kHomes;
}

const std::vector<Place>& FraudPlaces() {
  static const auto* kPlaces = new std::vector<Place>{
      {"NG", {"Lagos", 6.5244, 3.3792, 1}},
      {"RU", {"Moscow", 55.7558, 37.6173, 3}},
      {"BR", {"Sao Paulo", -23.5505, -46.6333, -3}},
      {"PH", {"Manila", 14.5995, 120.9842, 8}},
      {"RO", {"Bucharest", 44.4268, 26.1025, 2}},
      {"VN", {"Ho Chi Minh City", 10.8231, 106.6297, 7}},
      {"PE", {"Lima", -12.0464, -77.0428, -5}},
  };
  return *kPlaces;
}

const std::vector<const char*>& CrossBorderDestinations() {
  static const auto* kDest =
      new std::vector<const char*>{"SG", "AE", "JP", "MX", "TH", "GB", "US"};
  return *kDest;
}

const std::vector<Place>& TravelPlaces() {
  static const auto* kPlaces = new std::vector<Place>{
      {"JP", {"Tokyo", 35.6762, 139.6503, 9}},
      {"TH", {"Bangkok", 13.7563, 100.5018, 7}},
      {"SG", {"Singapore", 1.3521, 103.8198, 8}},
      {"IT", {"Rome", 41.9028, 12.4964, 1}},
      {"ES", {"Barcelona", 41.3874, 2.1686, 1}},
      {"AU", {"Sydney", -33.8688, 151.2093, 10}},
      {"US", {"San Francisco", 37.7749, -122.4194, -8}},
      {"GB", {"London", 51.5074, -0.1278, 0}},
      {"FR", {"Paris", 48.8566, 2.3522, 1}},
      {"CN", {"Shanghai", 31.2304, 121.4737, 8}},
      {"HK", {"Hong Kong", 22.3193, 114.1694, 8}},
  };
  return *kPlaces;
}

int CountryIndex(std::string_view country) {
  static const auto* kAll = [] {
    auto* all = new std::vector<std::string>;
    auto add = [all](const char* c) {
      if (std::find(all->begin(), all->end(), c) == all->end()) {
        all->push_back(c);
      }
    };
    for (const auto& h : HomeCountries()) add(h.country);
    for (const auto& p : FraudPlaces()) add(p.country);
    for (const char* d : CrossBorderDestinations()) add(d);
    for (const auto& p : TravelPlaces()) add(p.country);
    return all;
  }();
  for (size_t i = 0; i < kAll->size(); ++i) {
    if ((*kAll)[i] == country) return static_cast<int>(i);
  }
  return -1;
}

double ReferenceRateToCny(std::string_view source_currency) {
  // fx_sanity: rates: ["USD/CNY:7.10", "EUR/CNY:7.80"].
  if (source_currency == "USD") return 7.10;
  if (source_currency == "EUR") return 7.80;
  return 0;
}

double HourIntensity(int local_hour) {
  static constexpr double kCurve[24] = {
      0.10, 0.05, 0.03, 0.02, 0.02, 0.04, 0.12, 0.30,  // 00-07
      0.50, 0.60, 0.65, 0.75, 1.00, 0.90, 0.70, 0.65,  // 08-15
      0.70, 0.80, 0.90, 1.00, 0.95, 0.75, 0.45, 0.25,  // 16-23
  };
  return kCurve[((local_hour % 24) + 24) % 24];
}

double HaversineKm(double lat1, double lon1, double lat2, double lon2) {
  constexpr double kToRad = 3.14159265358979323846 / 180.0;
  const double dlat = (lat2 - lat1) * kToRad;
  const double dlon = (lon2 - lon1) * kToRad;
  const double a = std::sin(dlat / 2) * std::sin(dlat / 2) +
                   std::cos(lat1 * kToRad) * std::cos(lat2 * kToRad) *
                       std::sin(dlon / 2) * std::sin(dlon / 2);
  return 2 * 6371.0 * std::asin(std::min(1.0, std::sqrt(a)));
}

}  // namespace riskflow::datagen
