#include "tools/riskflowd/ingest_flags.h"

#include <cstdint>
#include <string>

#include "absl/flags/flag.h"
#include "absl/strings/numbers.h"
#include "absl/strings/str_cat.h"
#include "absl/time/time.h"

ABSL_FLAG(absl::Duration, max_event_skew, absl::Minutes(5),
          "events whose event_time_ms is further ahead of this server's clock "
          "are rejected (INVALID_EVENT)");
ABSL_FLAG(std::string, min_event_time, "2000-01-01T00:00:00Z",
          "events before this time (RFC 3339, or Unix milliseconds) are "
          "rejected (INVALID_EVENT)");
ABSL_FLAG(int64_t, max_amount_minor, 1000000000000000,
          "largest amount_minor / source_amount_minor accepted");
ABSL_FLAG(uint32_t, max_field_bytes, 128,
          "longest event_id, channel_id, account_id, counterparty and "
          "device_id accepted, in bytes");
ABSL_FLAG(std::string, pan_policy, "reject",
          "what ingest does with a card number (Luhn-valid 13-19 digits) in "
          "any string field: reject (the event) or mask (keep the first 6 and "
          "last 4 digits)");

namespace riskflow::riskflowd {

absl::Status IngestLimitsFromFlags(log::IngestLimits* limits) {
  const absl::Duration skew = absl::GetFlag(FLAGS_max_event_skew);
  if (skew < absl::ZeroDuration()) {
    return absl::InvalidArgumentError("--max_event_skew: must not be negative");
  }
  limits->max_event_skew_ms = absl::ToInt64Milliseconds(skew);

  const std::string min_time = absl::GetFlag(FLAGS_min_event_time);
  int64_t min_ms = 0;
  if (!absl::SimpleAtoi(min_time, &min_ms)) {
    absl::Time t;
    std::string error;
    if (!absl::ParseTime(absl::RFC3339_full, min_time, &t, &error)) {
      return absl::InvalidArgumentError(absl::StrCat(
          "--min_event_time: '", min_time,
          "' is neither RFC 3339 (2000-01-01T00:00:00Z) nor Unix ms: ",
          error));
    }
    min_ms = absl::ToUnixMillis(t);
  }
  limits->min_event_time_ms = min_ms;

  const int64_t max_amount = absl::GetFlag(FLAGS_max_amount_minor);
  if (max_amount <= 0) {
    return absl::InvalidArgumentError("--max_amount_minor: must be positive");
  }
  limits->max_amount_minor = max_amount;

  const uint32_t field_bytes = absl::GetFlag(FLAGS_max_field_bytes);
  if (field_bytes == 0) {
    return absl::InvalidArgumentError("--max_field_bytes: must be positive");
  }
  limits->max_id_bytes = field_bytes;

  const std::string pan = absl::GetFlag(FLAGS_pan_policy);
  if (pan == "reject") {
    limits->pan_policy = log::PanPolicy::kReject;
  } else if (pan == "mask") {
    limits->pan_policy = log::PanPolicy::kMask;
  } else {
    return absl::InvalidArgumentError(absl::StrCat(
        "--pan_policy: '", pan, "' is not one of reject, mask"));
  }
  return absl::OkStatus();
}

}  // namespace riskflow::riskflowd
