#ifndef RISKFLOW_PIPELINE_LOG_INGEST_LIMITS_H_
#define RISKFLOW_PIPELINE_LOG_INGEST_LIMITS_H_

#include <cstddef>
#include <cstdint>

namespace riskflow::log {

// What ingest does with a card number (PAN) found in a string field.
enum class PanPolicy {
  // The event is refused (INVALID_EVENT naming the field, never the digits).
  kReject,
  // The digits between the first 6 and the last 4 become '*' before the
  // event is logged. event_id and channel_id are refused even then: masking
  // an idempotency key could merge two distinct events.
  kMask,
};

// Bounds every client-supplied field of an Event before it may enter the
// durable log (see docs/input-validation.md). The defaults are what
// riskflowd runs with unless flags say otherwise.
struct IngestLimits {
  // event_id, channel_id, account_id, counterparty, device_id.
  size_t max_id_bytes = 128;
  size_t max_ip_bytes = 64;
  // country, counterparty_country: ISO-3166 codes, ASCII letters only.
  size_t max_country_bytes = 3;
  size_t max_attributes = 64;
  size_t max_attribute_key_bytes = 128;
  // Keys and values of all attributes together.
  size_t max_attribute_bytes = 4096;
  // amount_minor and source_amount_minor. 10^15 minor units is 10^13 of a
  // two-decimal currency: far above any real payment, far below INT64_MAX,
  // so sums of many such amounts stay far from overflow.
  int64_t max_amount_minor = 1000000000000000;
  // event_time_ms must lie in [min_event_time_ms, now + max_event_skew_ms].
  int64_t min_event_time_ms = 946684800000;  // 2000-01-01T00:00:00Z
  int64_t max_event_skew_ms = 5 * 60 * 1000;
  PanPolicy pan_policy = PanPolicy::kReject;
};

}  // namespace riskflow::log

#endif  // RISKFLOW_PIPELINE_LOG_INGEST_LIMITS_H_
