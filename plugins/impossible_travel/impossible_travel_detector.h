// impossible_travel_detector.h — an account seen in two places further apart
// than anyone can travel in the time between, or in a country it was never
// seen in; and money paid out soon after either (the usual shape of an
// account takeover cashing out). See README.md.
#ifndef RISKFLOW_PLUGINS_IMPOSSIBLE_TRAVEL_IMPOSSIBLE_TRAVEL_DETECTOR_H_
#define RISKFLOW_PLUGINS_IMPOSSIBLE_TRAVEL_IMPOSSIBLE_TRAVEL_DETECTOR_H_

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "plugins/sdk/event_types.h"
#include "plugins/sdk/riskflow_sdk.h"

namespace riskflow {
namespace impossible_travel {

const std::vector<rf_param_spec>& ImpossibleTravelParams();

// Great-circle distance on a sphere of radius 6371 km.
double HaversineKm(double lat1, double lon1, double lat2, double lon2);

// The last located event of an account, as kept in LAST_SEEN (the event
// time comes from the state itself).
struct Place {
  double latitude = 0;
  double longitude = 0;
  std::string country;
  std::string event_id;
};
std::string EncodePlace(const Place& place);
std::optional<Place> DecodePlace(std::string_view bytes);

class ImpossibleTravelDetector : public sdk::Detector {
 public:
  sdk::Status Init(sdk::InitContext& ctx, const sdk::Params& params) override;
  sdk::Status OnEvent(sdk::Context& ctx, const sdk::Event& event) override;

 private:
  // Each returns the reason code it annotated with, or "" when it did not.
  std::string CheckTravel(sdk::Context& ctx, const sdk::Event& event);
  std::string CheckCountry(sdk::Context& ctx, const sdk::Event& event);
  void RememberAlert(sdk::Context& ctx, const sdk::Event& event,
                     const std::string& reasons);
  void CheckPayout(sdk::Context& ctx, const sdk::Event& event);

  sdk::EventTypeFilter types_;
  sdk::EventTypeFilter payout_types_;
  double max_speed_kmh_ = 0;
  double min_distance_km_ = 0;
  int64_t country_memory_ms_ = 0;
  int64_t payout_window_ms_ = 0;
  sdk::StateHandle last_place_ = 0;  // LAST_SEEN per account: Place
  sdk::StateHandle countries_ = 0;   // DISTINCT per account: country codes
  sdk::StateHandle last_alert_ = 0;  // LAST_SEEN per account: "REASONS id"
};

}  // namespace impossible_travel
}  // namespace riskflow

#endif  // RISKFLOW_PLUGINS_IMPOSSIBLE_TRAVEL_IMPOSSIBLE_TRAVEL_DETECTOR_H_
