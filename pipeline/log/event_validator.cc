#include "pipeline/log/event_validator.h"

#include <cmath>
#include <string>

#include "absl/strings/str_cat.h"
#include "pipeline/log/currency.h"

namespace riskflow::log {
namespace {

using riskflow::v1::Event;
using riskflow::v1::EventType;

absl::Status Invalid(std::string message) {
  return absl::InvalidArgumentError(std::move(message));
}

absl::Status CheckId(const std::string& value, const char* field,
                     bool required) {
  if (value.empty()) {
    return required ? Invalid(absl::StrCat(field, ": is required"))
                    : absl::OkStatus();
  }
  if (value.size() > kMaxIdLength) {
    return Invalid(absl::StrCat(field, ": longer than ", kMaxIdLength,
                                " bytes (", value.size(), ")"));
  }
  for (unsigned char c : value) {
    if (c < 0x20 || c == 0x7f) {
      return Invalid(absl::StrCat(field, ": contains a control character"));
    }
  }
  return absl::OkStatus();
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

}  // namespace

absl::Status ValidateEvent(const Event& event) {
  if (auto s = CheckId(event.event_id(), "event_id", true); !s.ok()) return s;
  if (auto s = CheckId(event.channel_id(), "channel_id", true); !s.ok()) {
    return s;
  }
  if (auto s = CheckId(event.account_id(), "account_id", true); !s.ok()) {
    return s;
  }
  if (auto s = CheckId(event.counterparty(), "counterparty", false); !s.ok()) {
    return s;
  }
  if (auto s = CheckId(event.device_id(), "device_id", false); !s.ok()) {
    return s;
  }
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
  if (event.amount_minor() < 0) {
    return Invalid(absl::StrCat("amount_minor: must not be negative, got ",
                                event.amount_minor()));
  }
  if (event.source_amount_minor() < 0) {
    return Invalid(absl::StrCat(
        "source_amount_minor: must not be negative, got ",
        event.source_amount_minor()));
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
  if (static_cast<size_t>(event.attributes_size()) > kMaxAttributes) {
    return Invalid(absl::StrCat("attributes: more than ", kMaxAttributes,
                                " entries (", event.attributes_size(), ")"));
  }
  size_t attribute_bytes = 0;
  for (const auto& [key, value] : event.attributes()) {
    attribute_bytes += key.size() + value.size();
  }
  if (attribute_bytes > kMaxAttributeBytes) {
    return Invalid(absl::StrCat("attributes: larger than ", kMaxAttributeBytes,
                                " bytes in total (", attribute_bytes, ")"));
  }
  return absl::OkStatus();
}

}  // namespace riskflow::log
