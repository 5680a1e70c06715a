// See event_json_fast.h for why this exists and which inputs it accepts.
// Every `return false` below means "not certain to match protobuf": the
// caller then runs the protobuf parser, which decides.
#include "pipeline/replay/event_json_fast.h"

#include <simdjson.h>

#include <algorithm>
#include <array>
#include <cmath>
#include <cstdint>
#include <cstring>
#include <limits>
#include <memory>
#include <string>
#include <utility>
#include <vector>

#include "google/protobuf/descriptor.h"
#include "google/protobuf/io/strtod.h"

namespace riskflow::replay {
namespace {

namespace od = ::simdjson::ondemand;
namespace pb = ::google::protobuf;
using ::riskflow::v1::Event;

enum class Kind { kString, kInt64, kDouble, kEventType, kAttributes };

// What the fast path knows how to fill, by field number. Setters are held
// as member pointers so decoding needs no reflection.
struct Slot {
  int number;
  Kind kind;
  std::string* (Event::*mutable_string)();
  void (Event::*set_int64)(int64_t);
  void (Event::*set_double)(double);
};

constexpr Slot String(int n, std::string* (Event::*f)()) {
  return {n, Kind::kString, f, nullptr, nullptr};
}
constexpr Slot Int64(int n, void (Event::*f)(int64_t)) {
  return {n, Kind::kInt64, nullptr, f, nullptr};
}
constexpr Slot Double(int n, void (Event::*f)(double)) {
  return {n, Kind::kDouble, nullptr, nullptr, f};
}

const Slot kSlots[] = {
    String(Event::kEventIdFieldNumber, &Event::mutable_event_id),
    String(Event::kChannelIdFieldNumber, &Event::mutable_channel_id),
    {Event::kTypeFieldNumber, Kind::kEventType, nullptr, nullptr, nullptr},
    Int64(Event::kEventTimeMsFieldNumber, &Event::set_event_time_ms),
    String(Event::kAccountIdFieldNumber, &Event::mutable_account_id),
    String(Event::kCounterpartyFieldNumber, &Event::mutable_counterparty),
    Int64(Event::kAmountMinorFieldNumber, &Event::set_amount_minor),
    String(Event::kCurrencyFieldNumber, &Event::mutable_currency),
    Int64(Event::kSourceAmountMinorFieldNumber,
          &Event::set_source_amount_minor),
    String(Event::kSourceCurrencyFieldNumber, &Event::mutable_source_currency),
    Double(Event::kFxRateFieldNumber, &Event::set_fx_rate),
    String(Event::kCountryFieldNumber, &Event::mutable_country),
    String(Event::kCounterpartyCountryFieldNumber,
           &Event::mutable_counterparty_country),
    Double(Event::kLatitudeFieldNumber, &Event::set_latitude),
    Double(Event::kLongitudeFieldNumber, &Event::set_longitude),
    String(Event::kIpFieldNumber, &Event::mutable_ip),
    String(Event::kDeviceIdFieldNumber, &Event::mutable_device_id),
    {Event::kAttributesFieldNumber, Kind::kAttributes, nullptr, nullptr,
     nullptr},
};
constexpr size_t kNumSlots = sizeof(kSlots) / sizeof(kSlots[0]);
static_assert(kNumSlots <= 64, "duplicate detection uses a 64-bit mask");

// Longest accepted key; longer keys are unknown fields anyway.
constexpr size_t kMaxKeyLength = 32;

// Longer lines go to protobuf: events are a few hundred bytes, and the
// per-thread buffer and parser keep the capacity of the longest line seen.
constexpr size_t kMaxLineBytes = 64 * 1024;

struct KeyEntry {
  std::string_view key;  // points into the descriptor pool (lives forever)
  uint8_t slot;
};

struct Tables {
  // Accepted keys (proto name and JSON name of every field) by length.
  std::array<std::vector<KeyEntry>, kMaxKeyLength + 1> keys_by_length;
  std::vector<std::pair<std::string_view, riskflow::v1::EventType>> enum_names;
};

bool SlotMatchesField(const Slot& slot, const pb::FieldDescriptor& field) {
  if (field.containing_oneof() != nullptr) return false;
  if (slot.kind == Kind::kAttributes) {
    if (!field.is_map()) return false;
    const pb::Descriptor* entry = field.message_type();
    return entry->map_key()->type() == pb::FieldDescriptor::TYPE_STRING &&
           entry->map_value()->type() == pb::FieldDescriptor::TYPE_STRING;
  }
  // Implicit presence: a zero value set here is the same as an absent one,
  // which is what protobuf's parser produces for "amount_minor": 0.
  if (field.is_repeated() || field.has_presence()) return false;
  switch (slot.kind) {
    case Kind::kString:
      return field.type() == pb::FieldDescriptor::TYPE_STRING;
    case Kind::kInt64:
      return field.type() == pb::FieldDescriptor::TYPE_INT64;
    case Kind::kDouble:
      return field.type() == pb::FieldDescriptor::TYPE_DOUBLE;
    case Kind::kEventType:
      return field.type() == pb::FieldDescriptor::TYPE_ENUM &&
             field.enum_type() == riskflow::v1::EventType_descriptor();
    case Kind::kAttributes:
      break;
  }
  return false;
}

// Null when Event no longer has exactly the fields in kSlots: a new or
// retyped field must not be half-parsed, so the fast path switches off.
const Tables* BuildTables() {
  const pb::Descriptor* descriptor = Event::descriptor();
  if (static_cast<size_t>(descriptor->field_count()) != kNumSlots) {
    return nullptr;
  }
  auto tables = std::make_unique<Tables>();
  for (size_t i = 0; i < kNumSlots; ++i) {
    const pb::FieldDescriptor* field =
        descriptor->FindFieldByNumber(kSlots[i].number);
    if (field == nullptr || !SlotMatchesField(kSlots[i], *field)) {
      return nullptr;
    }
    for (const std::string* name : {&field->name(), &field->json_name()}) {
      if (name->empty() || name->size() > kMaxKeyLength) return nullptr;
      auto& bucket = tables->keys_by_length[name->size()];
      bool seen = false;
      for (const KeyEntry& e : bucket) seen = seen || e.key == *name;
      if (!seen) bucket.push_back({*name, static_cast<uint8_t>(i)});
    }
  }
  const pb::EnumDescriptor* types = riskflow::v1::EventType_descriptor();
  for (int i = 0; i < types->value_count(); ++i) {
    tables->enum_names.emplace_back(
        types->value(i)->name(),
        static_cast<riskflow::v1::EventType>(types->value(i)->number()));
  }
  return tables.release();
}

const Tables* GetTables() {
  static const Tables* const tables = BuildTables();
  return tables;
}

// simdjson reads up to SIMDJSON_PADDING bytes past the end of its input, so
// each line is copied into a per-thread buffer that only ever grows.
struct PaddedBuffer {
  std::unique_ptr<char[]> data;
  size_t capacity = 0;

  const char* Fill(std::string_view text) {
    const size_t needed = text.size() + simdjson::SIMDJSON_PADDING;
    if (needed > capacity) {
      capacity = std::max<size_t>(needed, std::max<size_t>(2 * capacity, 4096));
      data = std::make_unique<char[]>(capacity);
    }
    std::memcpy(data.get(), text.data(), text.size());
    // Zeroed padding, as in simdjson::padded_string, so nothing left over
    // from a longer previous line can look like part of this one.
    std::memset(data.get() + text.size(), 0, simdjson::SIMDJSON_PADDING);
    return data.get();
  }
};

// Strict decimal int64: -?(0|[1-9][0-9]*) within range, and not "-0".
// This is narrower than both JSON integers and protobuf's quoted form
// (which also takes '+', leading zeros, "-0"); the rest is declined.
bool ParseStrictInt64(std::string_view s, int64_t* out) {
  size_t i = 0;
  const bool negative = !s.empty() && s[0] == '-';
  if (negative) i = 1;
  if (i == s.size()) return false;
  if (s[i] == '0') {
    if (negative || s.size() != 1) return false;
    *out = 0;
    return true;
  }
  if (s.size() - i > 19) return false;  // 19 digits cannot overflow uint64
  uint64_t v = 0;
  for (; i < s.size(); ++i) {
    const char c = s[i];
    if (c < '0' || c > '9') return false;
    v = v * 10 + static_cast<uint64_t>(c - '0');
  }
  constexpr uint64_t kMaxPositive = std::numeric_limits<int64_t>::max();
  if (negative) {
    if (v > kMaxPositive + 1) return false;
    *out = static_cast<int64_t>(0 - v);  // two's complement; covers INT64_MIN
  } else {
    if (v > kMaxPositive) return false;
    *out = static_cast<int64_t>(v);
  }
  return true;
}

// A number token as simdjson reports it: the token plus any spaces up to
// the next one.
std::string_view TrimTrailingSpaces(std::string_view token) {
  while (!token.empty() && token.back() == ' ') token.remove_suffix(1);
  return token;
}

// A lone surrogate escape ("\uDC00") would unescape to bytes that are not
// UTF-8, which protobuf rejects. simdjson 3.0.1 refuses it already; this
// keeps the guarantee from resting on that. Raw input is validated UTF-8,
// so only lines with a backslash need the check.
bool StringOk(std::string_view s, bool line_has_escape) {
  return !line_has_escape || simdjson::validate_utf8(s.data(), s.size());
}

bool DecodeInt64(od::value& value, int64_t* out) {
  od::json_type type;
  if (value.type().get(type) != simdjson::SUCCESS) return false;
  if (type == od::json_type::number) {
    // Parsed from the token by hand: protobuf reads 1e3 or 1.0 as integers
    // too, and those are left to it.
    return ParseStrictInt64(TrimTrailingSpaces(value.raw_json_token()), out);
  }
  if (type == od::json_type::string) {
    std::string_view s;
    if (value.get_string().get(s) != simdjson::SUCCESS) return false;
    return ParseStrictInt64(s, out);
  }
  return false;
}

// The JSON number grammar, -?(0|[1-9][0-9]*)(.[0-9]+)?([eE][+-]?[0-9]+)?;
// `integer_digits` is set to the digit count when there is no fraction or
// exponent, else to 0.
bool IsJsonNumber(std::string_view t, size_t* integer_digits) {
  auto digits = [&t](size_t i) {
    while (i < t.size() && t[i] >= '0' && t[i] <= '9') ++i;
    return i;
  };
  size_t i = 0;
  if (i < t.size() && t[i] == '-') ++i;
  const size_t first_digit = i;
  if (i == t.size() || t[i] < '0' || t[i] > '9') return false;
  i = t[i] == '0' ? i + 1 : digits(i);
  *integer_digits = i - first_digit;
  if (i < t.size() && t[i] == '.') {
    const size_t start = ++i;
    if ((i = digits(i)) == start) return false;
    *integer_digits = 0;
  }
  if (i < t.size() && (t[i] == 'e' || t[i] == 'E')) {
    ++i;
    if (i < t.size() && (t[i] == '+' || t[i] == '-')) ++i;
    const size_t start = i;
    if ((i = digits(i)) == start) return false;
    *integer_digits = 0;
  }
  return i == t.size();
}

// The value comes from protobuf's own NoLocaleStrtod (what its JSON parser
// calls for fractions and exponents), not from simdjson: simdjson 3.0.1's
// get_double misreads some numbers of more than 19 digits, e.g.
// 0.1000000000000000055511151231257827 as 4.1e-16 (event_json_fast_test
// caught it), and matching protobuf by construction beats matching it by
// argument.
bool DecodeDouble(od::value& value, double* out) {
  const std::string_view token = TrimTrailingSpaces(value.raw_json_token());
  size_t integer_digits = 0;
  if (!IsJsonNumber(token, &integer_digits)) return false;  // "NaN", null
  // Integer literals go through protobuf's int64/uint64 path and a cast;
  // up to 15 digits that is exact, so the same as strtod. Longer ones are
  // left to it.
  if (integer_digits > 15) return false;
  char text[40];
  if (token.size() >= sizeof(text)) return false;
  std::memcpy(text, token.data(), token.size());
  text[token.size()] = '\0';
  char* end = nullptr;
  const double d = pb::io::NoLocaleStrtod(text, &end);
  if (end != text + token.size() || !std::isfinite(d)) return false;
  // "-0" is an integer to protobuf, so +0.0, where strtod gives -0.0; zero
  // from underflow is left to it too. 0 is how 0.0 is printed.
  if (d == 0 && token != "0") return false;
  *out = d;
  return true;
}

bool DecodeAttributes(od::value& value, bool line_has_escape, Event* out) {
  od::object object;
  if (value.get_object().get(object) != simdjson::SUCCESS) return false;
  auto* attributes = out->mutable_attributes();
  for (auto entry : object) {
    std::string_view key;
    if (entry.unescaped_key().get(key) != simdjson::SUCCESS) return false;
    if (key.empty() || !StringOk(key, line_has_escape)) return false;
    std::string owned_key(key);
    std::string_view text;
    if (entry.value().get_string().get(text) != simdjson::SUCCESS) {
      return false;
    }
    if (!StringOk(text, line_has_escape)) return false;
    // protobuf rejects a repeated map key; leave that error to it.
    auto inserted = attributes->try_emplace(std::move(owned_key));
    if (!inserted.second) return false;
    inserted.first->second.assign(text.data(), text.size());
  }
  return true;
}

}  // namespace

bool EventJsonFastPathEnabled() { return GetTables() != nullptr; }

bool TryParseEventJsonFast(std::string_view json, Event* out) {
  const Tables* tables = GetTables();
  if (tables == nullptr || json.size() > kMaxLineBytes) return false;
  out->Clear();

  // Control bytes (raw newlines or tabs, even between tokens) are rare and
  // parsers disagree on them; a backslash means strings need a UTF-8 check.
  bool has_control = false;
  bool has_escape = false;
  for (const char ch : json) {
    const auto c = static_cast<unsigned char>(ch);
    has_control |= c < 0x20;
    has_escape |= c == '\\';
  }
  if (has_control) return false;
  // Must start with the object itself: no byte-order mark or other prefix.
  const size_t start = json.find_first_not_of(' ');
  if (start == std::string_view::npos || json[start] != '{') return false;

  thread_local PaddedBuffer buffer;
  thread_local od::parser parser;
  const char* padded = buffer.Fill(json);
  const char* const input_end = padded + json.size();
  od::document doc;
  if (parser.iterate(padded, json.size(), buffer.capacity).get(doc) !=
      simdjson::SUCCESS) {
    return false;
  }
  od::object object;
  if (doc.get_object().get(object) != simdjson::SUCCESS) return false;

  uint64_t seen = 0;
  for (auto field : object) {
    od::raw_json_string raw_key;
    if (field.key().get(raw_key) != simdjson::SUCCESS) return false;
    // Keys are compared as written; one with an escape is declined, so the
    // first '"' ends it (simdjson has checked it is closed; the bound is
    // there so that never has to be taken on trust).
    const char* key_begin = raw_key.raw();
    const char* key_end = key_begin;
    while (key_end < input_end && *key_end != '"') {
      if (*key_end == '\\') return false;
      ++key_end;
    }
    if (key_end == input_end) return false;
    const size_t key_length = static_cast<size_t>(key_end - key_begin);
    if (key_length > kMaxKeyLength) return false;
    int slot_index = -1;
    for (const KeyEntry& e : tables->keys_by_length[key_length]) {
      if (std::memcmp(e.key.data(), key_begin, key_length) == 0) {
        slot_index = e.slot;
        break;
      }
    }
    if (slot_index < 0) return false;  // unknown: protobuf names it
    const uint64_t bit = uint64_t{1} << slot_index;
    if ((seen & bit) != 0) return false;  // same field twice
    seen |= bit;

    od::value value;
    if (field.value().get(value) != simdjson::SUCCESS) return false;
    const Slot& slot = kSlots[slot_index];
    switch (slot.kind) {
      case Kind::kString: {
        std::string_view s;
        if (value.get_string().get(s) != simdjson::SUCCESS) return false;
        if (!StringOk(s, has_escape)) return false;
        (out->*slot.mutable_string)()->assign(s.data(), s.size());
        break;
      }
      case Kind::kInt64: {
        int64_t v;
        if (!DecodeInt64(value, &v)) return false;
        (out->*slot.set_int64)(v);
        break;
      }
      case Kind::kDouble: {
        double v;
        if (!DecodeDouble(value, &v)) return false;
        (out->*slot.set_double)(v);
        break;
      }
      case Kind::kEventType: {
        std::string_view s;
        if (value.get_string().get(s) != simdjson::SUCCESS) return false;
        bool found = false;
        for (const auto& [name, number] : tables->enum_names) {
          if (name == s) {
            out->set_type(number);
            found = true;
            break;
          }
        }
        if (!found) return false;  // numbers, "1", unknown names
        break;
      }
      case Kind::kAttributes:
        if (!DecodeAttributes(value, has_escape, out)) return false;
        break;
    }
  }
  // Nothing may follow the object ({"a":1} {"b":2}, a stray '}').
  const char* rest = nullptr;
  return doc.current_location().get(rest) == simdjson::OUT_OF_BOUNDS;
}

}  // namespace riskflow::replay
