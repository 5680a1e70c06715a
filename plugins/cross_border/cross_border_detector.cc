#include "plugins/cross_border/cross_border_detector.h"

#include <algorithm>
#include <charconv>
#include <system_error>
#include <utility>

namespace riskflow {
namespace cross_border {
namespace {

bool AllIn(std::string_view s, char lo, char hi) {
  return std::all_of(s.begin(), s.end(),
                     [lo, hi](char c) { return c >= lo && c <= hi; });
}

}  // namespace

const std::vector<rf_param_spec>& CrossBorderParams() {
  static const std::vector<rf_param_spec> kParams = {
      sdk::RequiredParam(
          "thresholds", RF_PARAM_LIST,
          "Per-currency thresholds in minor units, CUR:amount items, e.g. "
          "\"CNY:5000000,USD:700000\". Currencies not listed never fire."),
      sdk::Param("types", RF_PARAM_LIST, "PAYOUT,TRANSFER",
                 "Event types checked."),
      sdk::Param("allowed_corridors", RF_PARAM_LIST, nullptr,
                 "Directional FROM-TO country pairs that never fire, e.g. "
                 "\"CN-HK,HK-CN\". Empty by default."),
  };
  return kParams;
}


sdk::Status ParseCorridors(const std::vector<std::string>& items,
                           std::set<std::string, std::less<>>* out) {
  const std::string where = "parameter 'allowed_corridors': ";
  std::set<std::string, std::less<>> parsed;
  for (const std::string& item : items) {
    std::string_view v(item);
    if (v.size() != 5 || v[2] != '-' || !AllIn(v.substr(0, 2), 'A', 'Z') ||
        !AllIn(v.substr(3), 'A', 'Z')) {
      return sdk::Status::Error(where + "item '" + item +
                                "' is not FROM-TO with two upper-case "
                                "ISO alpha-2 codes (e.g. CN-HK)");
    }
    if (v.substr(0, 2) == v.substr(3)) {
      // A same-country corridor is never cross-border; listing it is a typo.
      return sdk::Status::Error(where + "item '" + item +
                                "' is not cross-border");
    }
    if (!parsed.insert(item).second) {
      return sdk::Status::Error(where + "corridor " + item +
                                " is listed twice");
    }
  }
  *out = std::move(parsed);
  return sdk::Status::Ok();
}

std::string CountryCode(std::string_view s) {
  std::string out(s);
  for (char& c : out) {
    if (c >= 'a' && c <= 'z') c = static_cast<char>(c - 'a' + 'A');
  }
  return out;
}

sdk::Status CrossBorderDetector::Init(sdk::InitContext& /*ctx*/,
                                      const sdk::Params& params) {
  std::string error;
  if (!sdk::ParseMinorThresholds("thresholds", params.List("thresholds"),
                                 &thresholds_, &error)) {
    return sdk::Status::Error(error);
  }
  sdk::Status s = ParseCorridors(params.List("allowed_corridors"), &allowed_corridors_);
  if (!s.ok()) return s;
  return sdk::ParseEventTypes(params, "types", &types_);
}

sdk::Status CrossBorderDetector::OnEvent(sdk::Context& ctx,
                                         const sdk::Event& event) {
  if (!types_.Contains(event.type())) return sdk::Status::Ok();
  // A missing country is unknown, not foreign: firing on it would turn a
  // channel that omits the field into a flood of reviews.
  if (event.country().empty() || event.counterparty_country().empty()) {
    return sdk::Status::Ok();
  }
  const std::string from = CountryCode(event.country());
  const std::string to = CountryCode(event.counterparty_country());
  if (from == to) return sdk::Status::Ok();
  auto threshold = thresholds_.find(event.currency());
  if (threshold == thresholds_.end() ||
      event.amount_minor() < threshold->second) {
    return sdk::Status::Ok();
  }
  const std::string corridor = from + "-" + to;
  if (allowed_corridors_.count(corridor) != 0) return sdk::Status::Ok();

  const std::string amount = std::to_string(event.amount_minor());
  sdk::Annotation a;
  // Size alone does not make a foreign payment fraud; a review, not a hold.
  a.score = 0.6;
  a.reason_code = "CROSS_BORDER_LARGE";
  a.message = "cross-border " + corridor + " payment of " + amount + " " +
              std::string(event.currency()) +
              " (minor units) is at or above the threshold of " +
              std::to_string(threshold->second);
  a.evidence = {{"from_country", from},
                {"to_country", to},
                {"amount_minor", amount},
                {"threshold_minor", std::to_string(threshold->second)},
                {"currency", std::string(event.currency())}};
  a.route_hint = RF_ROUTE_MANUAL_REVIEW;
  ctx.Annotate(a);
  return ctx.status();
}

}  // namespace cross_border
}  // namespace riskflow

RISKFLOW_DETECTOR(riskflow::cross_border::CrossBorderDetector, "cross_border",
                  "1.0.0",
                  "A large payout or transfer to another country outside the "
                  "allowed corridors.",
                  riskflow::cross_border::CrossBorderParams)
