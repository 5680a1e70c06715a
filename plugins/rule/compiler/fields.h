// fields.h — the event fields a rule can read, their types, and how they
// are filled from an event (rf_event_view) once per event.
#ifndef RISKFLOW_PLUGINS_RULE_COMPILER_FIELDS_H_
#define RISKFLOW_PLUGINS_RULE_COMPILER_FIELDS_H_

#include <cstdint>
#include <map>
#include <string>
#include <string_view>

#include "plugins/rule/compiler/program.h"
#include "plugins/sdk/riskflow_plugin.h"

namespace riskflow {
namespace rule {

enum FieldId : int {
  kFieldType = 0,
  kFieldEventId,
  kFieldChannel,
  kFieldEventTime,
  kFieldHourUtc,
  kFieldAccount,
  kFieldCounterparty,
  kFieldAmount,
  kFieldCurrency,
  kFieldSourceAmount,
  kFieldSourceCurrency,
  kFieldCountry,
  kFieldCounterpartyCountry,
  kFieldIp,
  kFieldDevice,
  kFieldAmountCny,
  kFieldHasAmountCny,
  kFieldCount,  // not a field: the number of fields
};

struct FieldInfo {
  const char* name;
  Type type;
  const char* doc;
};

// Indexed by FieldId.
const FieldInfo& Field(int id);
// -1 when unknown.
int FindField(std::string_view name);
// "type, event_id, ..." for messages.
std::string FieldNames();

// The event type's name ("PAYOUT"); "UNSPECIFIED" for unknown values.
std::string_view EventTypeName(int32_t type);
bool IsEventTypeName(std::string_view name);

// CNY per unit of a currency, as an exact decimal: rate_micro millionths of
// a CNY per major unit (USD:7.10 -> 7100000). amount_cny is computed in CNY
// minor units (fen) with integer arithmetic, rounded half away from zero.
using CnyRates = std::map<std::string, int64_t, std::less<>>;

// Parses "USD:7.10,EUR:7.85" items (up to 6 decimals). CNY is always 1.
bool ParseCnyRates(const std::string& text, CnyRates* out, std::string* error);

// amount in fen; false when the currency has no rate (or it overflows).
bool ToCnyMinor(int64_t amount_minor, std::string_view currency,
                const CnyRates& rates, int64_t* out);

// Fills values[kFieldCount] from the event. Strings borrow from the event.
void FillFields(const rf_event_view& event, const CnyRates& rates,
                Value* values);

}  // namespace rule
}  // namespace riskflow

#endif  // RISKFLOW_PLUGINS_RULE_COMPILER_FIELDS_H_
