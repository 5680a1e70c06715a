#include "pipeline/config/validate.h"

#include <string>
#include <string_view>

#include "absl/container/flat_hash_map.h"
#include "absl/status/status.h"
#include "absl/strings/ascii.h"
#include "absl/strings/escaping.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/string_view.h"
#include "pipeline/config/utf8_fields.h"
#include "proto/riskflow/v1/config.pb.h"
#include "proto/riskflow/v1/decision.pb.h"

namespace riskflow {
namespace config {
namespace {

using ::riskflow::v1::DetectorConfig;
using ::riskflow::v1::PipelineConfig;
using ::riskflow::v1::Route;

absl::Status Error(absl::string_view path, absl::string_view reason) {
  return absl::InvalidArgumentError(absl::StrCat(path, ": ", reason));
}

// Detector names end up in annotations, state keys and metrics labels, so
// they are kept to a charset that is safe in all three.
bool IsDetectorName(std::string_view name) {
  if (name.empty()) return false;
  for (char c : name) {
    if (!absl::ascii_islower(c) && !absl::ascii_isdigit(c) && c != '_') {
      return false;
    }
  }
  return true;
}

// proto3 enums are open: a config built by a newer peer may carry a value
// this build does not know.
bool IsKnownRoute(Route route) { return riskflow::v1::Route_IsValid(route); }

absl::Status ValidateDetector(const DetectorConfig& d,
                              const std::string& path) {
  if (d.name().empty()) return Error(path + ".name", "must not be empty");
  if (!IsDetectorName(d.name())) {
    return Error(path + ".name",
                 absl::StrCat("invalid name '", d.name(),
                              "' (use lowercase letters, digits and '_')"));
  }
  if (d.plugin().empty()) return Error(path + ".plugin", "must not be empty");
  if (!IsKnownRoute(d.route())) {
    return Error(path + ".route", absl::StrCat("unknown route ", d.route()));
  }
  if (!IsKnownRoute(d.on_error()) ||
      d.on_error() == riskflow::v1::ROUTE_UNSPECIFIED) {
    // Without a failure policy a crashing detector would leave the event
    // with no route; the parser defaults it, so only hand-built configs
    // reach this.
    return Error(path + ".on_error",
                 "must be set (PASS, NOTIFY, MANUAL_REVIEW or FREEZE)");
  }
  if (d.time_budget_us() < 0) {
    return Error(path + ".time_budget", "must not be negative");
  }
  for (const auto& [key, value] : d.params()) {
    if (key.empty()) return Error(path + ".params", "empty parameter name");
  }
  return absl::OkStatus();
}

}  // namespace

bool IsSha256Hex(std::string_view text) {
  if (text.size() != 64) return false;
  for (char c : text) {
    if (!absl::ascii_isdigit(c) && !(c >= 'a' && c <= 'f')) return false;
  }
  return true;
}

absl::Status ValidatePipeline(const PipelineConfig& config) {
  if (absl::Status utf8 = CheckUtf8Fields(config); !utf8.ok()) return utf8;
  if (config.name().empty()) return Error("name", "must not be empty");
  if (config.shards() > kMaxShards) {
    return Error(
        "shards",
        absl::StrCat(config.shards(), " exceeds the maximum of ", kMaxShards));
  }
  if (config.allowed_lateness_ms() < 0) {
    return Error("allowed_lateness", "must not be negative");
  }
  if (config.max_batch_events() < 1 ||
      config.max_batch_events() > kMaxBatchEvents) {
    return Error("max_batch_events",
                 absl::StrCat("must be between 1 and ", kMaxBatchEvents,
                              ", got ", config.max_batch_events()));
  }
  // A pipeline without detectors would PASS every payment; that is far more
  // likely an editing mistake than an intent.
  if (config.detectors_size() == 0) {
    return Error("detectors", "at least one detector is required");
  }
  for (int i = 0; i < config.plugin_sha256_allowlist_size(); ++i) {
    const std::string& hash = config.plugin_sha256_allowlist(i);
    if (!IsSha256Hex(hash)) {
      return Error(absl::StrCat("plugin_sha256_allowlist[", i, "]"),
                   absl::StrCat("expected a SHA-256 as 64 hex digits, got '",
                                absl::CHexEscape(hash.substr(0, 80)), "'"));
    }
  }
  absl::flat_hash_map<std::string, int> first_index;
  for (int i = 0; i < config.detectors_size(); ++i) {
    const DetectorConfig& d = config.detectors(i);
    const std::string path = absl::StrCat("detectors[", i, "]");
    if (absl::Status s = ValidateDetector(d, path); !s.ok()) return s;
    auto [it, inserted] = first_index.emplace(d.name(), i);
    if (!inserted) {
      return Error(path + ".name",
                   absl::StrCat("duplicate detector name '", d.name(),
                                "' (also detectors[", it->second, "])"));
    }
  }
  return absl::OkStatus();
}

}  // namespace config
}  // namespace riskflow
