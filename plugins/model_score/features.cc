#include "plugins/model_score/features.h"

#include <cmath>
#include <cstdio>
#include <limits>
#include <utility>

#include "plugins/sdk/currency_units.h"
#include "plugins/sdk/param_parse.h"

namespace riskflow::model_score {
namespace {

enum class Kind {
  kAmountCny,
  kLogAmountCny,
  kHourOfDay,
  kCrossBorder,
  kFx,
  kType,
  kCount,
  kSumCny,
  kDistinct,
  kNewCounterparty,
  kSecsSinceLast,
};

enum class Field { kCounterparty, kDevice, kIp, kCountry };

struct Leaf {
  std::string name;
  Kind kind = Kind::kAmountCny;
  rf_event_type type = RF_EVENT_UNSPECIFIED;  // kType, kCount (UNSPECIFIED: all)
  int64_t window_ms = 0;
  Field field = Field::kCounterparty;
  sdk::StateHandle handle = 0;
  double value = 0;  // this event's value
};

struct Output {
  size_t a = 0;
  bool ratio = false;
  size_t b = 0;
};

constexpr int64_t kDayMs = 86400000;

bool IsMoneyOut(rf_event_type t) {
  return t == RF_EVENT_PAYMENT || t == RF_EVENT_PAYOUT ||
         t == RF_EVENT_TRANSFER;
}

rf_event_type TypeFromLower(const std::string& lower) {
  std::string upper;
  for (char c : lower) upper += (c >= 'a' && c <= 'z') ? c - 32 : c;
  return sdk::EventTypeFromName(upper);
}

bool StartsWith(const std::string& s, const std::string& p) {
  return s.size() > p.size() && s.compare(0, p.size(), p) == 0;
}

// Splits "<middle>_<dur>" into middle and the duration in ms.
bool SplitWindow(const std::string& rest, std::string* middle,
                 int64_t* window_ms) {
  size_t us = rest.rfind('_');
  if (us == std::string::npos) {
    *middle = "";
    return sdk::ParseDurationMs(rest, window_ms) && *window_ms > 0;
  }
  *middle = rest.substr(0, us);
  return sdk::ParseDurationMs(rest.substr(us + 1), window_ms) &&
         *window_ms > 0;
}

// Buckets of 1/60 of the window (at least 1 s) keep windows near-exact at
// a bounded cost per read.
int64_t BucketFor(int64_t window_ms) {
  int64_t b = window_ms / 60;
  return b < 1000 ? 1000 : b;
}

std::string_view FieldValue(Field f, const sdk::Event& e) {
  switch (f) {
    case Field::kCounterparty:
      return e.counterparty();
    case Field::kDevice:
      return e.device_id();
    case Field::kIp:
      return e.ip();
    case Field::kCountry:
      return e.country();
  }
  return {};
}

}  // namespace

struct FeatureSet::Impl {
  std::vector<Leaf> leaves;
  std::vector<Output> outputs;
  std::map<std::string, double> rates;  // CNY per major unit

  // Index of the leaf for name, parsing it if new; -1 with *error.
  long LeafFor(const std::string& name, std::string* error) {
    for (size_t i = 0; i < leaves.size(); ++i) {
      if (leaves[i].name == name) return static_cast<long>(i);
    }
    Leaf leaf;
    leaf.name = name;
    std::string middle;
    if (name == "amount_cny") {
      leaf.kind = Kind::kAmountCny;
    } else if (name == "log_amount_cny") {
      leaf.kind = Kind::kLogAmountCny;
    } else if (name == "hour_of_day") {
      leaf.kind = Kind::kHourOfDay;
    } else if (name == "cross_border") {
      leaf.kind = Kind::kCrossBorder;
    } else if (name == "fx") {
      leaf.kind = Kind::kFx;
    } else if (name == "secs_since_last") {
      leaf.kind = Kind::kSecsSinceLast;
    } else if (StartsWith(name, "type_")) {
      leaf.kind = Kind::kType;
      leaf.type = TypeFromLower(name.substr(5));
      if (leaf.type == RF_EVENT_UNSPECIFIED) {
        *error = "feature '" + name + "': unknown event type";
        return -1;
      }
    } else if (StartsWith(name, "count_")) {
      leaf.kind = Kind::kCount;
      if (!SplitWindow(name.substr(6), &middle, &leaf.window_ms) ||
          middle.empty()) {
        *error = "feature '" + name +
                 "': expected count_<type|all>_<window>, e.g. count_payout_1h";
        return -1;
      }
      if (middle != "all") {
        leaf.type = TypeFromLower(middle);
        if (leaf.type == RF_EVENT_UNSPECIFIED) {
          *error = "feature '" + name + "': unknown event type '" + middle +
                   "'";
          return -1;
        }
      }
    } else if (StartsWith(name, "sum_cny_")) {
      leaf.kind = Kind::kSumCny;
      if (!SplitWindow(name.substr(8), &middle, &leaf.window_ms) ||
          !middle.empty()) {
        *error = "feature '" + name +
                 "': expected sum_cny_<window>, e.g. sum_cny_24h";
        return -1;
      }
    } else if (StartsWith(name, "new_counterparty_")) {
      leaf.kind = Kind::kNewCounterparty;
      if (!SplitWindow(name.substr(17), &middle, &leaf.window_ms) ||
          !middle.empty()) {
        *error = "feature '" + name +
                 "': expected new_counterparty_<window>, e.g. "
                 "new_counterparty_30d";
        return -1;
      }
    } else if (StartsWith(name, "distinct_")) {
      leaf.kind = Kind::kDistinct;
      bool ok = SplitWindow(name.substr(9), &middle, &leaf.window_ms);
      if (middle == "counterparty") {
        leaf.field = Field::kCounterparty;
      } else if (middle == "device") {
        leaf.field = Field::kDevice;
      } else if (middle == "ip") {
        leaf.field = Field::kIp;
      } else if (middle == "country") {
        leaf.field = Field::kCountry;
      } else {
        ok = false;
      }
      if (!ok) {
        *error = "feature '" + name +
                 "': expected distinct_<counterparty|device|ip|country>_"
                 "<window>, e.g. distinct_device_24h";
        return -1;
      }
    } else {
      *error = "feature '" + name +
               "': unknown feature (see docs/models.md for the catalogue)";
      return -1;
    }
    if (leaf.window_ms > 400 * kDayMs) {
      *error = "feature '" + name + "': window longer than 400d";
      return -1;
    }
    leaves.push_back(std::move(leaf));
    return static_cast<long>(leaves.size() - 1);
  }

  double AmountCny(const sdk::Event& e) const {
    auto it = rates.find(std::string(e.currency()));
    if (it == rates.end()) return std::numeric_limits<double>::quiet_NaN();
    return sdk::ToMajorUnits(e.amount_minor(), e.currency()) * it->second;
  }
};

FeatureSet::FeatureSet() : impl_(std::make_unique<Impl>()) {}
FeatureSet::~FeatureSet() = default;
FeatureSet::FeatureSet(FeatureSet&&) noexcept = default;
FeatureSet& FeatureSet::operator=(FeatureSet&&) noexcept = default;

sdk::Status FeatureSet::Parse(const std::vector<std::string>& names,
                              const std::vector<std::string>& rates) {
  if (names.empty()) return sdk::Status::Error("parameter 'features': empty");
  if (names.size() > kMaxFeatures) {
    return sdk::Status::Error("parameter 'features': " +
                              std::to_string(names.size()) +
                              " features, at most " +
                              std::to_string(kMaxFeatures));
  }
  std::map<std::string, double> table;
  std::string error;
  if (!sdk::ParseCurrencyTable(rates, &table, &error)) {
    return sdk::Status::Error("parameter 'rates': " + error);
  }
  impl_->rates.clear();
  impl_->rates["CNY"] = 1.0;
  for (const auto& [code, rate] : table) impl_->rates[code] = rate;
  for (const std::string& name : names) {
    for (const std::string& seen : names_) {
      if (seen == name) {
        return sdk::Status::Error("feature '" + name + "' is listed twice");
      }
    }
    Output out;
    size_t slash = name.find('/');
    if (slash != std::string::npos) {
      long a = impl_->LeafFor(name.substr(0, slash), &error);
      long b = a < 0 ? -1 : impl_->LeafFor(name.substr(slash + 1), &error);
      if (a < 0 || b < 0) {
        return sdk::Status::Error("feature '" + name + "': " + error);
      }
      out = Output{static_cast<size_t>(a), true, static_cast<size_t>(b)};
    } else {
      long a = impl_->LeafFor(name, &error);
      if (a < 0) return sdk::Status::Error(error);
      out.a = static_cast<size_t>(a);
    }
    impl_->outputs.push_back(out);
    names_.push_back(name);
  }
  return sdk::Status::Ok();
}

sdk::Status FeatureSet::Declare(sdk::InitContext& ctx) {
  for (Leaf& leaf : impl_->leaves) {
    sdk::Status s;
    const char* name = leaf.name.c_str();
    switch (leaf.kind) {
      case Kind::kCount:
        s = ctx.DeclareCounter(name, leaf.window_ms, BucketFor(leaf.window_ms),
                               &leaf.handle);
        break;
      case Kind::kSumCny:
        s = ctx.DeclareSum(name, leaf.window_ms, BucketFor(leaf.window_ms),
                           &leaf.handle);
        break;
      case Kind::kDistinct:
      case Kind::kNewCounterparty:
        s = ctx.DeclareDistinct(name, leaf.window_ms,
                                BucketFor(leaf.window_ms), &leaf.handle);
        break;
      case Kind::kSecsSinceLast:
        s = ctx.DeclareLastSeen(name, &leaf.handle, 400 * kDayMs);
        break;
      default:
        break;
    }
    if (!s.ok()) return s;
  }
  return sdk::Status::Ok();
}

void FeatureSet::Compute(sdk::Context& ctx, const sdk::Event& e, float* out) {
  const std::string_view account = e.account_id();
  const int64_t t = e.event_time_ms();
  const double amount_cny = impl_->AmountCny(e);
  for (Leaf& leaf : impl_->leaves) {
    switch (leaf.kind) {
      case Kind::kAmountCny:
        leaf.value = amount_cny;
        break;
      case Kind::kLogAmountCny:
        leaf.value = std::isnan(amount_cny)
                         ? amount_cny
                         : std::log1p(std::fabs(amount_cny));
        break;
      case Kind::kHourOfDay: {
        int64_t ms_of_day = ((t % kDayMs) + kDayMs) % kDayMs;
        leaf.value = static_cast<double>(ms_of_day / 3600000);
        break;
      }
      case Kind::kCrossBorder:
        leaf.value = !e.country().empty() &&
                             !e.counterparty_country().empty() &&
                             e.country() != e.counterparty_country()
                         ? 1
                         : 0;
        break;
      case Kind::kFx:
        leaf.value =
            !e.source_currency().empty() && e.source_currency() != e.currency()
                ? 1
                : 0;
        break;
      case Kind::kType:
        leaf.value = e.type() == leaf.type ? 1 : 0;
        break;
      case Kind::kCount:
        if (leaf.type == RF_EVENT_UNSPECIFIED || e.type() == leaf.type) {
          ctx.Add(leaf.handle, account, 1);
        }
        leaf.value = static_cast<double>(
            ctx.Total(leaf.handle, account, leaf.window_ms));
        break;
      case Kind::kSumCny:
        // Stored in CNY fen (int64 sums); read back in yuan.
        if (IsMoneyOut(e.type()) && !std::isnan(amount_cny)) {
          ctx.Add(leaf.handle, account,
                  static_cast<int64_t>(std::llround(amount_cny * 100)));
        }
        leaf.value = static_cast<double>(
                         ctx.Total(leaf.handle, account, leaf.window_ms)) /
                     100.0;
        break;
      case Kind::kDistinct: {
        std::string_view v = FieldValue(leaf.field, e);
        if (!v.empty()) ctx.AddDistinct(leaf.handle, account, v);
        leaf.value = static_cast<double>(
            ctx.CountDistinct(leaf.handle, account, leaf.window_ms));
        break;
      }
      case Kind::kNewCounterparty: {
        std::string_view cp = e.counterparty();
        if (cp.empty()) {
          leaf.value = 0;
        } else {
          leaf.value = ctx.ContainsDistinct(leaf.handle, account, cp,
                                            leaf.window_ms)
                           ? 0
                           : 1;
          ctx.AddDistinct(leaf.handle, account, cp);
        }
        break;
      }
      case Kind::kSecsSinceLast: {
        auto last = ctx.GetLast(leaf.handle, account);
        leaf.value =
            last ? static_cast<double>(t - last->event_time_ms) / 1000.0 : -1;
        ctx.PutLast(leaf.handle, account, "1");
        break;
      }
    }
  }
  for (size_t i = 0; i < impl_->outputs.size(); ++i) {
    const Output& o = impl_->outputs[i];
    double v = impl_->leaves[o.a].value;
    if (o.ratio) {
      double b = impl_->leaves[o.b].value;
      v = (b == 0 || std::isnan(b)) ? 0 : v / b;
    }
    out[i] = static_cast<float>(v);
  }
}

std::string FormatFeature(float v) {
  char buf[32];
  std::snprintf(buf, sizeof(buf), "%.9g", static_cast<double>(v));
  return buf;
}

}  // namespace riskflow::model_score
