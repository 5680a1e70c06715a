#include "pipeline/log/event_validator.h"

#include <cmath>
#include <cstdint>
#include <limits>
#include <string>
#include <utility>
#include <vector>

#include "absl/strings/str_cat.h"
#include "pipeline/log/card_numbers.h"
#include "pipeline/log/currency.h"
#include "pipeline/log/utf8.h"

namespace riskflow::log {
namespace {

using riskflow::v1::Event;
using riskflow::v1::EventType;

absl::Status Invalid(std::string message) {
  return absl::InvalidArgumentError(std::move(message));
}

// UTF-8 and length: the checks every string field gets first, so that later
// messages may quote a (short, valid) value.
absl::Status CheckString(const std::string& value, absl::string_view field,
                         size_t max_bytes) {
  if (size_t bad = FindInvalidUtf8(value); bad != std::string_view::npos) {
    return Invalid(absl::StrCat(field, ": not valid UTF-8 (byte offset ", bad,
                                ")"));
  }
  if (value.size() > max_bytes) {
    return Invalid(absl::StrCat(field, ": longer than ", max_bytes,
                                " bytes (", value.size(), ")"));
  }
  return absl::OkStatus();
}

absl::Status CheckId(const std::string& value, const char* field,
                     bool required, size_t max_bytes) {
  if (value.empty()) {
    return required ? Invalid(absl::StrCat(field, ": is required"))
                    : absl::OkStatus();
  }
  // Printable ASCII (nearly every id) is valid UTF-8 without controls:
  // one pass instead of three.
  bool printable_ascii = true;
  for (unsigned char c : value) printable_ascii &= c >= 0x20 && c < 0x7f;
  if (printable_ascii && value.size() <= max_bytes) return absl::OkStatus();
  if (auto s = CheckString(value, field, max_bytes); !s.ok()) return s;
  for (unsigned char c : value) {
    if (c < 0x20 || c == 0x7f) {
      return Invalid(absl::StrCat(field, ": contains a control character"));
    }
  }
  return absl::OkStatus();
}

absl::Status CheckCountry(const std::string& value, const char* field,
                          size_t max_bytes) {
  if (auto s = CheckString(value, field, max_bytes); !s.ok()) return s;
  // Letters only; the case is the detectors' business (a channel sending
  // "us" is careless, not hostile).
  for (char c : value) {
    if (!((c >= 'A' && c <= 'Z') || (c >= 'a' && c <= 'z'))) {
      return Invalid(absl::StrCat(
          field, ": must be an ISO-3166 code (letters A-Z only)"));
    }
  }
  return absl::OkStatus();
}

// How an attribute is named in a message: by its key when that is safe to
// echo (already checked for UTF-8 and length, and no card number in it).
std::string AttributeName(const std::string& key) {
  if (ContainsCardNumber(key)) return "attributes[<key holding a card number>]";
  return absl::StrCat("attributes[\"", key, "\"]");
}

absl::Status CheckAttributes(const Event& event, const IngestLimits& limits) {
  if (static_cast<size_t>(event.attributes_size()) > limits.max_attributes) {
    return Invalid(absl::StrCat("attributes: more than ", limits.max_attributes,
                                " entries (", event.attributes_size(), ")"));
  }
  size_t attribute_bytes = 0;
  for (const auto& [key, value] : event.attributes()) {
    if (auto s = CheckString(key, "attributes: a key",
                             limits.max_attribute_key_bytes);
        !s.ok()) {
      return s;
    }
    // Values are bounded by the total below. The name (an allocation and a
    // card scan of the key) is built only for the message.
    if (FindInvalidUtf8(value) != std::string_view::npos) {
      return CheckString(value, AttributeName(key),
                         std::numeric_limits<size_t>::max());
    }
    attribute_bytes += key.size() + value.size();
  }
  if (attribute_bytes > limits.max_attribute_bytes) {
    return Invalid(absl::StrCat("attributes: larger than ",
                                limits.max_attribute_bytes,
                                " bytes in total (", attribute_bytes, ")"));
  }
  return absl::OkStatus();
}

absl::Status CheckStrings(const Event& event, const IngestLimits& limits) {
  const size_t id = limits.max_id_bytes;
  if (auto s = CheckId(event.event_id(), "event_id", true, id); !s.ok()) {
    return s;
  }
  if (auto s = CheckId(event.channel_id(), "channel_id", true, id); !s.ok()) {
    return s;
  }
  if (auto s = CheckId(event.account_id(), "account_id", true, id); !s.ok()) {
    return s;
  }
  if (auto s = CheckId(event.counterparty(), "counterparty", false, id);
      !s.ok()) {
    return s;
  }
  if (auto s = CheckId(event.device_id(), "device_id", false, id); !s.ok()) {
    return s;
  }
  if (auto s = CheckId(event.ip(), "ip", false, limits.max_ip_bytes); !s.ok()) {
    return s;
  }
  // Currencies are checked against the ISO list later; bounding them first
  // keeps that message's echo of the code short.
  if (auto s = CheckString(event.currency(), "currency", 3); !s.ok()) return s;
  if (auto s = CheckString(event.source_currency(), "source_currency", 3);
      !s.ok()) {
    return s;
  }
  if (auto s = CheckCountry(event.country(), "country",
                            limits.max_country_bytes);
      !s.ok()) {
    return s;
  }
  if (auto s = CheckCountry(event.counterparty_country(),
                            "counterparty_country", limits.max_country_bytes);
      !s.ok()) {
    return s;
  }
  return CheckAttributes(event, limits);
}

bool MovesMoney(EventType type) {
  switch (type) {
    case riskflow::v1::PAYMENT:
    case riskflow::v1::PAYOUT:
    case riskflow::v1::TRANSFER:
    case riskflow::v1::REFUND:
    case riskflow::v1::DEPOSIT:
      return true;
    default:
      return false;
  }
}

absl::Status CheckCurrency(const std::string& code, const char* field) {
  if (!IsKnownCurrency(code)) {
    return Invalid(absl::StrCat(field, ": unknown ISO-4217 currency '", code,
                                "'"));
  }
  return absl::OkStatus();
}

absl::Status CheckAmount(int64_t amount, const char* field,
                         const IngestLimits& limits) {
  if (amount < 0) {
    return Invalid(
        absl::StrCat(field, ": must not be negative, got ", amount));
  }
  if (amount > limits.max_amount_minor) {
    return Invalid(absl::StrCat(field, ": larger than the limit of ",
                                limits.max_amount_minor, " minor units, got ",
                                amount));
  }
  return absl::OkStatus();
}

// The card-number policy over one string field. `maskable` is false for the
// idempotency key's parts.
absl::Status ApplyPanPolicy(std::string* value, absl::string_view field,
                            PanPolicy policy, bool maskable) {
  if (!ContainsCardNumber(*value)) return absl::OkStatus();
  if (policy == PanPolicy::kMask && maskable) {
    *value = MaskCardNumbers(*value);
    return absl::OkStatus();
  }
  return Invalid(absl::StrCat(
      field,
      ": holds what looks like a card number (a Luhn-valid 13-19 digit "
      "sequence); send a token, never the card number",
      policy == PanPolicy::kMask ? " (this field cannot be masked)" : ""));
}

absl::Status ApplyPanPolicy(Event* event, PanPolicy policy) {
  struct Field {
    std::string* value;
    const char* name;
    bool maskable;
  };
  const Field fields[] = {
      {event->mutable_event_id(), "event_id", false},
      {event->mutable_channel_id(), "channel_id", false},
      {event->mutable_account_id(), "account_id", true},
      {event->mutable_counterparty(), "counterparty", true},
      {event->mutable_device_id(), "device_id", true},
      {event->mutable_ip(), "ip", true},
  };
  for (const Field& f : fields) {
    if (auto s = ApplyPanPolicy(f.value, f.name, policy, f.maskable); !s.ok()) {
      return s;
    }
  }
  // currency and country fields are at most 3 letters: nothing to find.
  auto* attributes = event->mutable_attributes();
  std::vector<std::pair<std::string, std::string>> rekeyed;
  for (auto it = attributes->begin(); it != attributes->end();) {
    // The name only when there is a card number to report or mask.
    if (ContainsCardNumber(it->second)) {
      if (auto s = ApplyPanPolicy(&it->second, AttributeName(it->first),
                                  policy, true);
          !s.ok()) {
        return s;
      }
    }
    if (ContainsCardNumber(it->first)) {
      if (policy != PanPolicy::kMask) {
        return Invalid(
            "attributes: a key holds what looks like a card number (a "
            "Luhn-valid 13-19 digit sequence); send a token, never the card "
            "number");
      }
      rekeyed.emplace_back(MaskCardNumbers(it->first), std::move(it->second));
      it = attributes->erase(it);
      continue;
    }
    ++it;
  }
  for (auto& [key, value] : rekeyed) (*attributes)[key] = std::move(value);
  return absl::OkStatus();
}

}  // namespace

absl::Status ValidateEvent(const Event& event) {
  return ValidateEvent(event, IngestLimits());
}

absl::Status ValidateEvent(const Event& event, const IngestLimits& limits) {
  if (auto s = CheckStrings(event, limits); !s.ok()) return s;
  if (event.type() == riskflow::v1::EVENT_TYPE_UNSPECIFIED ||
      !riskflow::v1::EventType_IsValid(event.type())) {
    return Invalid(absl::StrCat("type: missing or unknown event type (",
                                static_cast<int>(event.type()), ")"));
  }
  if (event.event_time_ms() <= 0) {
    return Invalid(absl::StrCat(
        "event_time_ms: must be a positive Unix time in milliseconds, got ",
        event.event_time_ms()));
  }
  if (event.event_time_ms() < limits.min_event_time_ms) {
    return Invalid(absl::StrCat(
        "event_time_ms: before the earliest accepted time ",
        limits.min_event_time_ms, " (Unix ms), got ", event.event_time_ms()));
  }
  if (auto s = CheckAmount(event.amount_minor(), "amount_minor", limits);
      !s.ok()) {
    return s;
  }
  if (auto s = CheckAmount(event.source_amount_minor(), "source_amount_minor",
                           limits);
      !s.ok()) {
    return s;
  }
  const bool money = MovesMoney(event.type()) ||
                     event.type() == riskflow::v1::BALANCE_SNAPSHOT;
  if (money || !event.currency().empty()) {
    if (event.currency().empty()) {
      return Invalid(absl::StrCat("currency: is required for ",
                                  riskflow::v1::EventType_Name(event.type()),
                                  " events"));
    }
    if (auto s = CheckCurrency(event.currency(), "currency"); !s.ok()) return s;
  }
  if (!event.source_currency().empty()) {
    if (auto s = CheckCurrency(event.source_currency(), "source_currency");
        !s.ok()) {
      return s;
    }
  }
  if (!std::isfinite(event.fx_rate()) || event.fx_rate() < 0) {
    return Invalid("fx_rate: must be a finite non-negative number");
  }
  if (!std::isfinite(event.latitude()) || std::fabs(event.latitude()) > 90 ||
      !std::isfinite(event.longitude()) || std::fabs(event.longitude()) > 180) {
    return Invalid("latitude/longitude: out of range");
  }
  return absl::OkStatus();
}

absl::Status CheckIngestEvent(Event* event, const IngestLimits& limits,
                              int64_t now_ms) {
  // Strings first: the card scan and every later message rely on them
  // being bounded, valid UTF-8.
  if (auto s = CheckStrings(*event, limits); !s.ok()) return s;
  if (auto s = ApplyPanPolicy(event, limits.pan_policy); !s.ok()) return s;
  if (auto s = ValidateEvent(*event, limits); !s.ok()) return s;
  if (event->type() == riskflow::v1::ACCOUNT_HOLD ||
      event->type() == riskflow::v1::ACCOUNT_RELEASE) {
    // A publisher must not be able to lift (or place) an analyst's hold.
    return Invalid(absl::StrCat(
        "type: ", riskflow::v1::EventType_Name(event->type()),
        " events come from the Admin API (PlaceHold / ReleaseHold), not from "
        "Publish or Evaluate"));
  }
  // Saturating: a huge configured skew must not overflow.
  const int64_t latest = now_ms > INT64_MAX - limits.max_event_skew_ms
                             ? INT64_MAX
                             : now_ms + limits.max_event_skew_ms;
  if (event->event_time_ms() > latest) {
    return Invalid(absl::StrCat(
        "event_time_ms: ", event->event_time_ms() - now_ms,
        " ms ahead of the server clock, more than the allowed skew of ",
        limits.max_event_skew_ms, " ms (event_time_ms ",
        event->event_time_ms(), ", server time ", now_ms, ")"));
  }
  return absl::OkStatus();
}

}  // namespace riskflow::log
