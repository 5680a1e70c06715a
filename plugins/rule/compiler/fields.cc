#include "plugins/rule/compiler/fields.h"

#include <vector>

#include "plugins/sdk/currency_units.h"

namespace riskflow {
namespace rule {

const char* TypeName(Type t) {
  switch (t) {
    case Type::kInt: return "number";
    case Type::kString: return "string";
    case Type::kBool: return "true/false";
  }
  return "?";
}

namespace {

const FieldInfo kFields[kFieldCount] = {
    {"type", Type::kString, "event type: \"PAYMENT\", \"PAYOUT\", ..."},
    {"event_id", Type::kString, "the event's id"},
    {"channel", Type::kString, "the channel that sent it"},
    {"event_time", Type::kInt, "event time, ms since the Unix epoch"},
    {"hour_utc", Type::kInt, "hour of the event time in UTC, 0..23"},
    {"account", Type::kString, "account id"},
    {"counterparty", Type::kString, "counterparty (payee, merchant)"},
    {"amount", Type::kInt, "amount in minor units of `currency`"},
    {"currency", Type::kString, "ISO-4217 code of `amount`"},
    {"source_amount", Type::kInt, "FX source amount, minor units"},
    {"source_currency", Type::kString, "FX source currency"},
    {"country", Type::kString, "country of the event"},
    {"counterparty_country", Type::kString, "country of the counterparty"},
    {"ip", Type::kString, "client IP"},
    {"device", Type::kString, "device id"},
    {"amount_cny", Type::kInt,
     "amount in CNY fen via the `cny_rates` param; 0 without a rate"},
    {"has_amount_cny", Type::kBool, "whether amount_cny could be computed"},
};

const char* const kTypeNames[] = {
    "UNSPECIFIED", "PAYMENT", "PAYOUT",           "TRANSFER", "REFUND",
    "LOGIN",       "AUTH_FAILURE", "PROFILE_CHANGE", "BALANCE_SNAPSHOT",
    "DEPOSIT",
};

std::string_view Str(rf_str s) {
  return s.ptr == nullptr ? std::string_view() : std::string_view(s.ptr, s.len);
}

}  // namespace

const FieldInfo& Field(int id) { return kFields[id]; }

int FindField(std::string_view name) {
  for (int i = 0; i < kFieldCount; ++i) {
    if (name == kFields[i].name) return i;
  }
  return -1;
}

std::string FieldNames() {
  std::string out;
  for (int i = 0; i < kFieldCount; ++i) {
    if (i > 0) out += ", ";
    out += kFields[i].name;
  }
  return out;
}

std::string_view EventTypeName(int32_t type) {
  if (type < 0 || type >= static_cast<int32_t>(sizeof(kTypeNames) /
                                               sizeof(kTypeNames[0]))) {
    return kTypeNames[0];
  }
  return kTypeNames[type];
}

bool IsEventTypeName(std::string_view name) {
  for (size_t i = 1; i < sizeof(kTypeNames) / sizeof(kTypeNames[0]); ++i) {
    if (name == kTypeNames[i]) return true;
  }
  return false;
}

bool ParseCnyRates(const std::string& text, CnyRates* out,
                   std::string* error) {
  out->clear();
  size_t start = 0;
  while (start <= text.size()) {
    size_t comma = text.find(',', start);
    if (comma == std::string::npos) comma = text.size();
    std::string item = text.substr(start, comma - start);
    start = comma + 1;
    while (!item.empty() && item.front() == ' ') item.erase(item.begin());
    while (!item.empty() && item.back() == ' ') item.pop_back();
    if (item.empty()) continue;
    const size_t colon = item.find(':');
    const std::string code = item.substr(0, colon);
    const std::string number =
        colon == std::string::npos ? "" : item.substr(colon + 1);
    // Exact decimal: digits, optional '.', at most 6 decimals.
    int64_t micro = 0;
    int decimals = -1;
    bool ok = sdk::IsCurrencyCode(code) && !number.empty() &&
              number.size() <= 18;
    for (char c : number) {
      if (!ok) break;
      if (c == '.') {
        ok = decimals < 0;
        decimals = 0;
      } else if (c >= '0' && c <= '9') {
        micro = micro * 10 + (c - '0');
        if (decimals >= 0 && ++decimals > 6) ok = false;
      } else {
        ok = false;
      }
    }
    if (!ok) {
      *error = "parameter 'cny_rates': item '" + item +
               "' is not CUR:rate with at most 6 decimals (e.g. USD:7.10)";
      return false;
    }
    for (int d = decimals < 0 ? 0 : decimals; d < 6; ++d) micro *= 10;
    if (micro <= 0) {
      *error = "parameter 'cny_rates': rate of " + code + " must be positive";
      return false;
    }
    if (!out->emplace(code, micro).second) {
      *error = "parameter 'cny_rates': " + code + " listed twice";
      return false;
    }
  }
  return true;
}

bool ToCnyMinor(int64_t amount_minor, std::string_view currency,
                const CnyRates& rates, int64_t* out) {
  if (currency == "CNY") {
    *out = amount_minor;
    return true;
  }
  auto it = rates.find(currency);
  if (it == rates.end()) return false;
  // fen = amount_minor / 10^exp * rate_micro / 10^6 * 100, exactly.
  const int exp = sdk::MinorUnitExponent(currency);
  __int128 num = static_cast<__int128>(amount_minor) * it->second * 100;
  __int128 den = 1000000;
  for (int i = 0; i < exp; ++i) den *= 10;
  __int128 q = num / den;
  __int128 r = num % den;
  if (r < 0) r = -r;
  if (2 * r >= den) q += num < 0 ? -1 : 1;
  if (q > INT64_MAX || q < INT64_MIN) return false;
  *out = static_cast<int64_t>(q);
  return true;
}

void FillFields(const rf_event_view& e, const CnyRates& rates, Value* v) {
  v[kFieldType] = Value::Str(EventTypeName(e.type));
  v[kFieldEventId] = Value::Str(Str(e.event_id));
  v[kFieldChannel] = Value::Str(Str(e.channel_id));
  v[kFieldEventTime] = Value::Int(e.event_time_ms);
  // Floor division, so times before 1970 still give 0..23.
  int64_t hours = e.event_time_ms / 3600000;
  if (e.event_time_ms % 3600000 < 0) --hours;
  int64_t hour = hours % 24;
  if (hour < 0) hour += 24;
  v[kFieldHourUtc] = Value::Int(hour);
  v[kFieldAccount] = Value::Str(Str(e.account_id));
  v[kFieldCounterparty] = Value::Str(Str(e.counterparty));
  v[kFieldAmount] = Value::Int(e.amount_minor);
  v[kFieldCurrency] = Value::Str(Str(e.currency));
  v[kFieldSourceAmount] = Value::Int(e.source_amount_minor);
  v[kFieldSourceCurrency] = Value::Str(Str(e.source_currency));
  v[kFieldCountry] = Value::Str(Str(e.country));
  v[kFieldCounterpartyCountry] = Value::Str(Str(e.counterparty_country));
  v[kFieldIp] = Value::Str(Str(e.ip));
  v[kFieldDevice] = Value::Str(Str(e.device_id));
  int64_t cny = 0;
  const bool has = ToCnyMinor(e.amount_minor, Str(e.currency), rates, &cny);
  v[kFieldAmountCny] = Value::Int(has ? cny : 0);
  v[kFieldHasAmountCny] = Value::Int(has ? 1 : 0);
}

}  // namespace rule
}  // namespace riskflow
