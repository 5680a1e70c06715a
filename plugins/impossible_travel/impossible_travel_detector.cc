#include "plugins/impossible_travel/impossible_travel_detector.h"

#include <algorithm>
#include <cmath>
#include <cstdio>
#include <cstdlib>

#include "plugins/sdk/param_parse.h"
#include "plugins/sdk/window_math.h"

namespace riskflow {
namespace impossible_travel {
namespace {

constexpr int64_t kDayMs = 86400 * 1000;
constexpr int64_t kHourMs = 3600 * 1000;
constexpr double kEarthRadiusKm = 6371.0;
constexpr double kPi = 3.14159265358979323846;

std::string Fixed(double v, int decimals) {
  char buf[64];
  std::snprintf(buf, sizeof(buf), "%.*f", decimals, v);
  return buf;
}

// Shortest form of a parameter, as configured ("900", "2.5").
std::string Short(double v) {
  char buf[64];
  std::snprintf(buf, sizeof(buf), "%g", v);
  return buf;
}

// (0, 0) is what an event without coordinates carries (proto3 defaults), so
// it means "unknown" even when a country is given.
bool HasCoordinates(const sdk::Event& e) {
  const double lat = e.latitude(), lon = e.longitude();
  if (!std::isfinite(lat) || !std::isfinite(lon)) return false;
  if (std::fabs(lat) > 90 || std::fabs(lon) > 180) return false;
  return lat != 0 || lon != 0;
}

std::string OrUnknown(std::string_view country) {
  return country.empty() ? "??" : std::string(country);
}

}  // namespace

double HaversineKm(double lat1, double lon1, double lat2, double lon2) {
  const double to_rad = kPi / 180.0;
  const double dlat = (lat2 - lat1) * to_rad;
  const double dlon = (lon2 - lon1) * to_rad;
  const double s1 = std::sin(dlat / 2), s2 = std::sin(dlon / 2);
  const double a =
      s1 * s1 + std::cos(lat1 * to_rad) * std::cos(lat2 * to_rad) * s2 * s2;
  return 2 * kEarthRadiusKm * std::asin(std::min(1.0, std::sqrt(a)));
}

// "<lat> <lon> <len>:<country><event_id>": %.17g round-trips the doubles,
// and the length prefix keeps an odd country from eating the event id.
std::string EncodePlace(const Place& p) {
  char buf[96];
  std::snprintf(buf, sizeof(buf), "%.17g %.17g %zu:", p.latitude, p.longitude,
                p.country.size());
  return buf + p.country + p.event_id;
}

std::optional<Place> DecodePlace(std::string_view bytes) {
  const std::string s(bytes);
  Place p;
  size_t len = 0;
  int consumed = 0;
  if (std::sscanf(s.c_str(), "%lf %lf %zu:%n", &p.latitude, &p.longitude, &len,
                  &consumed) != 3 ||
      consumed <= 0 || static_cast<size_t>(consumed) + len > s.size()) {
    return std::nullopt;
  }
  p.country = s.substr(consumed, len);
  p.event_id = s.substr(consumed + len);
  return p;
}

const std::vector<rf_param_spec>& ImpossibleTravelParams() {
  static const std::vector<rf_param_spec> kParams = {
      sdk::Param("types", RF_PARAM_LIST, "LOGIN,PAYMENT,PAYOUT,TRANSFER",
                 "Event types whose location is checked and remembered."),
      sdk::WithRange(
          sdk::Param("max_speed_kmh", RF_PARAM_DOUBLE, "900",
                     "Fastest plausible travel between two located events "
                     "(about an airliner's cruise speed)."),
          1, 1e6),
      sdk::WithRange(
          sdk::Param("min_distance_km", RF_PARAM_DOUBLE, "100",
                     "Moves shorter than this are never impossible travel "
                     "(GPS and IP geolocation noise)."),
          0, 20100),
      sdk::WithRange(
          sdk::Param("country_memory", RF_PARAM_DURATION, "365d",
                     "How long a country stays known for an account."),
          kDayMs, 3650 * kDayMs),
      sdk::WithRange(
          sdk::Param("payout_window", RF_PARAM_DURATION, "1h",
                     "A payout this soon after a location alert is frozen."),
          1000, 30 * kDayMs),
      sdk::Param("payout_types", RF_PARAM_LIST, "PAYOUT",
                 "Event types frozen when they follow a location alert."),
  };
  return kParams;
}

sdk::Status ImpossibleTravelDetector::Init(sdk::InitContext& ctx,
                                           const sdk::Params& params) {
  sdk::Status s = sdk::ParseEventTypes(params, "types", &types_);
  if (!s.ok()) return s;
  s = sdk::ParseEventTypes(params, "payout_types", &payout_types_);
  if (!s.ok()) return s;
  max_speed_kmh_ = params.Double("max_speed_kmh");
  min_distance_km_ = params.Double("min_distance_km");
  country_memory_ms_ = params.DurationMs("country_memory");
  payout_window_ms_ = params.DurationMs("payout_window");
  // A place older than country_memory is still compared if present, but at
  // that age no distance on Earth is too fast, so it may as well expire.
  s = ctx.DeclareLastSeen("last_place", &last_place_, country_memory_ms_);
  if (!s.ok()) return s;
  s = ctx.DeclareDistinct("countries", country_memory_ms_, kDayMs, &countries_);
  if (!s.ok()) return s;
  return ctx.DeclareLastSeen("last_alert", &last_alert_, payout_window_ms_);
}

sdk::Status ImpossibleTravelDetector::OnEvent(sdk::Context& ctx,
                                              const sdk::Event& event) {
  if (event.account_id().empty()) return sdk::Status::Ok();
  if (types_.Contains(event.type())) {
    std::string reasons;
    if (HasCoordinates(event)) reasons = CheckTravel(ctx, event);
    if (!event.country().empty()) {
      std::string country_reason = CheckCountry(ctx, event);
      if (!country_reason.empty()) {
        reasons += (reasons.empty() ? "" : ",") + country_reason;
      }
    }
    if (!reasons.empty()) RememberAlert(ctx, event, reasons);
    if (!ctx.ok()) return ctx.status();
  }
  // After this event's own checks: a payout that itself comes from an
  // impossible place or a new country is frozen too (0 minutes after).
  if (payout_types_.Contains(event.type())) CheckPayout(ctx, event);
  return ctx.status();
}

std::string ImpossibleTravelDetector::CheckTravel(sdk::Context& ctx,
                                                  const sdk::Event& event) {
  const int64_t now = event.event_time_ms();
  std::optional<sdk::Context::LastValue> last =
      ctx.GetLast(last_place_, event.account_id());
  std::optional<Place> from;
  if (last.has_value()) from = DecodePlace(last->value);
  const int64_t from_time = last.has_value() ? last->event_time_ms : 0;

  std::string reason;
  if (from.has_value()) {
    const double km = HaversineKm(from->latitude, from->longitude,
                                  event.latitude(), event.longitude());
    // Either order: a late event is compared with the newer stored one. Two
    // places in the same millisecond count as 1ms apart (a finite speed).
    const int64_t elapsed_ms =
        std::max<int64_t>(1, std::llabs(now - from_time));
    const double hours = static_cast<double>(elapsed_ms) / kHourMs;
    const double speed = km / hours;
    if (km >= min_distance_km_ && speed > max_speed_kmh_) {
      sdk::Annotation a;
      a.score = std::min(1.0, speed / (2 * max_speed_kmh_));
      a.reason_code = reason = "IMPOSSIBLE_TRAVEL";
      a.message = OrUnknown(from->country) + " -> " +
                  OrUnknown(event.country()) + ": " + Fixed(km, 1) + " km in " +
                  Fixed(hours, 2) + " h (" + Fixed(speed, 0) + " km/h, limit " +
                  Short(max_speed_kmh_) + ")";
      a.evidence = {{"distance_km", Fixed(km, 1)},
                    {"hours", Fixed(hours, 2)},
                    {"speed_kmh", Fixed(speed, 0)},
                    {"from_country", from->country},
                    {"to_country", std::string(event.country())},
                    {"from_event_id", from->event_id},
                    {"elapsed_ms", std::to_string(elapsed_ms)},
                    {"max_speed_kmh", Short(max_speed_kmh_)}};
      a.route_hint = RF_ROUTE_NOTIFY;
      ctx.Annotate(a);
    }
  }
  // Keep the newest place: a late event must not move the account back.
  if (!last.has_value() || now >= from_time) {
    Place here{event.latitude(), event.longitude(),
               std::string(event.country()), std::string(event.event_id())};
    ctx.PutLast(last_place_, event.account_id(), EncodePlace(here));
  }
  return reason;
}

std::string ImpossibleTravelDetector::CheckCountry(sdk::Context& ctx,
                                                   const sdk::Event& event) {
  const std::string_view account = event.account_id();
  const std::string_view country = event.country();
  const int64_t known =
      ctx.CountDistinct(countries_, account, country_memory_ms_);
  const bool seen =
      ctx.ContainsDistinct(countries_, account, country, country_memory_ms_);
  // Refresh even a known country, so it stays known while in use.
  ctx.AddDistinct(countries_, account, country);
  // A first located event has nothing to be new against.
  if (!ctx.ok() || seen || known == 0) return "";

  sdk::Annotation a;
  a.score = 0.5;  // travel and VPNs are common; a hint, not proof
  a.reason_code = "NEW_COUNTRY";
  a.message = "first event from " + std::string(country) + " in " +
              sdk::FormatDurationMs(country_memory_ms_) + " (" +
              std::to_string(known) + " other countries known)";
  a.evidence = {{"country", std::string(country)},
                {"known_countries", std::to_string(known)},
                {"country_memory_ms", std::to_string(country_memory_ms_)}};
  a.route_hint = RF_ROUTE_NOTIFY;
  ctx.Annotate(a);
  return a.reason_code;
}

void ImpossibleTravelDetector::RememberAlert(sdk::Context& ctx,
                                             const sdk::Event& event,
                                             const std::string& reasons) {
  std::optional<sdk::Context::LastValue> last =
      ctx.GetLast(last_alert_, event.account_id());
  // A late event's alert must not replace a newer one.
  if (last.has_value() && last->event_time_ms > event.event_time_ms()) return;
  ctx.PutLast(last_alert_, event.account_id(),
              reasons + " " + std::string(event.event_id()));
}

void ImpossibleTravelDetector::CheckPayout(sdk::Context& ctx,
                                           const sdk::Event& event) {
  std::optional<sdk::Context::LastValue> alert =
      ctx.GetLast(last_alert_, event.account_id());
  if (!alert.has_value()) return;
  // The alert must lie in the payout's window (t - payout_window, t]
  // (docs/windows.md); an alert after the payout (a late payout) is not
  // what the payout followed.
  if (!sdk::InWindow(event.event_time_ms(), alert->event_time_ms,
                     payout_window_ms_)) {
    return;
  }
  const int64_t since = event.event_time_ms() - alert->event_time_ms;
  const std::string_view value = alert->value;
  const size_t space = value.find(' ');
  if (space == std::string_view::npos) return;
  const std::string reason(value.substr(0, space));
  const std::string alert_id(value.substr(space + 1));

  sdk::Annotation a;
  a.score = 0.9;
  a.reason_code = "PAYOUT_AFTER_LOCATION_ALERT";
  a.message = "payout " + std::to_string(since / 60000) + " min after " +
              reason + " on event " + alert_id;
  a.evidence = {{"alert_reason", reason},
                {"alert_event_id", alert_id},
                {"minutes_since_alert", std::to_string(since / 60000)},
                {"payout_window_ms", std::to_string(payout_window_ms_)}};
  a.route_hint = RF_ROUTE_FREEZE;
  ctx.Annotate(a);
}

}  // namespace impossible_travel
}  // namespace riskflow

RISKFLOW_DETECTOR(riskflow::impossible_travel::ImpossibleTravelDetector,
                  "impossible_travel", "1.0.1",
                  "Impossible travel speed or a new country for an account, "
                  "and payouts soon after.",
                  riskflow::impossible_travel::ImpossibleTravelParams)
