#include "plugins/sdk/param_parse.h"

#include <charconv>
#include <cmath>
#include <cstring>
#include <limits>
#include <set>
#include <system_error>
#include <utility>

namespace riskflow {
namespace sdk {
namespace {

// Every spec of ABI 1.0 carries all fields up to and including doc; a
// smaller struct_size means a broken (or foreign) table.
constexpr size_t kMinParamSpecSize = sizeof(rf_param_spec);

rf_str ToRfStr(const std::string& s) { return rf_str{s.data(), s.size()}; }

std::string_view TrimSpaces(std::string_view s) {
  auto is_space = [](char c) {
    return c == ' ' || c == '\t' || c == '\n' || c == '\r';
  };
  while (!s.empty() && is_space(s.front())) s.remove_prefix(1);
  while (!s.empty() && is_space(s.back())) s.remove_suffix(1);
  return s;
}

bool ParseInt64(std::string_view s, int64_t* out) {
  if (s.empty() || s.front() == '+') return false;
  const char* end = s.data() + s.size();
  auto [ptr, ec] = std::from_chars(s.data(), end, *out);
  return ec == std::errc() && ptr == end;
}

// Shortest text that reads back as the same double.
std::string FormatDouble(double v) {
  char buf[64];
  auto [ptr, ec] = std::to_chars(buf, buf + sizeof(buf), v);
  if (ec != std::errc()) return "?";
  return std::string(buf, ptr);
}

// Range bounds are doubles in the ABI; show whole numbers as integers so a
// limit of 1e9 on an INT reads "1000000000", not "1e+09".
std::string FormatBound(double v, rf_param_type type) {
  constexpr double kExact = 9007199254740992.0;  // 2^53
  bool whole = std::fabs(v) < kExact && v == std::floor(v);
  if (type == RF_PARAM_DURATION && whole) {
    return FormatDurationMs(static_cast<int64_t>(v));
  }
  if (whole) return std::to_string(static_cast<int64_t>(v));
  return FormatDouble(v);
}

std::string Quote(std::string_view s) { return "'" + std::string(s) + "'"; }

struct Value {
  std::string text;
  int64_t int_value = 0;
  double double_value = 0;
};

// Parses one value of spec's type (range not checked). On failure *why is
// the part of the sentence after "parameter 'x': ".
bool ParseValue(const rf_param_spec& spec, std::string_view raw, Value* v,
                std::string* why) {
  std::string_view s = spec.type == RF_PARAM_STRING ? raw : TrimSpaces(raw);
  switch (spec.type) {
    case RF_PARAM_INT:
      if (!ParseInt64(s, &v->int_value)) {
        *why = "expected an integer, got " + Quote(raw);
        return false;
      }
      v->double_value = static_cast<double>(v->int_value);
      v->text = std::to_string(v->int_value);
      return true;
    case RF_PARAM_DOUBLE: {
      const char* end = s.data() + s.size();
      auto [ptr, ec] = std::from_chars(s.data(), end, v->double_value);
      if (s.empty() || ec != std::errc() || ptr != end ||
          !std::isfinite(v->double_value)) {
        *why = "expected a number, got " + Quote(raw);
        return false;
      }
      v->text = FormatDouble(v->double_value);
      return true;
    }
    case RF_PARAM_BOOL:
      if (s != "true" && s != "false") {
        *why = "expected true or false, got " + Quote(raw);
        return false;
      }
      v->int_value = s == "true" ? 1 : 0;
      v->double_value = static_cast<double>(v->int_value);
      v->text = std::string(s);
      return true;
    case RF_PARAM_STRING:
      v->text = std::string(s);
      return true;
    case RF_PARAM_DURATION:
      if (!ParseDurationMs(s, &v->int_value)) {
        *why = "expected a duration such as 250ms, 30s, 5m, 24h or 7d, got " +
               Quote(raw);
        return false;
      }
      v->double_value = static_cast<double>(v->int_value);
      v->text = std::to_string(v->int_value) + "ms";
      return true;
    case RF_PARAM_FILE:
      // The path; the host swaps in the contents (LoadFileParams).
      if (s.empty()) {
        *why = "expected a file path, got an empty value";
        return false;
      }
      v->text = std::string(s);
      return true;
    case RF_PARAM_LIST: {
      std::string joined;
      size_t start = 0;
      while (start <= s.size()) {
        size_t comma = s.find(',', start);
        if (comma == std::string_view::npos) comma = s.size();
        std::string_view item = TrimSpaces(s.substr(start, comma - start));
        if (!item.empty()) {
          if (!joined.empty()) joined += ',';
          joined += item;
        }
        start = comma + 1;
      }
      v->text = std::move(joined);
      return true;
    }
  }
  *why = "has unknown type " + std::to_string(static_cast<int>(spec.type));
  return false;
}

bool HasRangeType(rf_param_type t) {
  return t == RF_PARAM_INT || t == RF_PARAM_DOUBLE || t == RF_PARAM_DURATION;
}

bool CheckRange(const rf_param_spec& spec, const Value& v, std::string* why) {
  if (!spec.has_range || !HasRangeType(spec.type)) return true;
  double x = v.double_value;
  if (x >= spec.min && x <= spec.max) return true;
  std::string shown = spec.type == RF_PARAM_DURATION
                          ? FormatDurationMs(v.int_value)
                      : spec.type == RF_PARAM_INT ? v.text
                                                  : FormatDouble(x);
  *why = shown + " is out of range [" + FormatBound(spec.min, spec.type) +
         ", " + FormatBound(spec.max, spec.type) + "]";
  return false;
}

bool CheckSchema(const rf_param_spec* specs, size_t count, std::string* error) {
  if (count > 0 && specs == nullptr) {
    *error = "parameter schema: " + std::to_string(count) +
             " parameters declared but the table is null";
    return false;
  }
  std::set<std::string_view> names;
  for (size_t i = 0; i < count; ++i) {
    const rf_param_spec& spec = specs[i];
    std::string where = "parameter schema: entry " + std::to_string(i);
    if (spec.struct_size < kMinParamSpecSize) {
      *error = where + " has struct_size " + std::to_string(spec.struct_size) +
               ", expected at least " + std::to_string(kMinParamSpecSize);
      return false;
    }
    if (spec.name == nullptr || spec.name[0] == '\0') {
      *error = where + " has no name";
      return false;
    }
    std::string name_part = "parameter schema: parameter " + Quote(spec.name);
    if (!names.insert(spec.name).second) {
      *error = name_part + " is declared twice";
      return false;
    }
    if (!IsKnownParamType(spec)) {
      *error = name_part + " has unknown type " +
               std::to_string(RawParamType(spec));
      return false;
    }
    if (spec.has_range && HasRangeType(spec.type) &&
        !(spec.min <= spec.max)) {  // also catches NaN bounds
      *error = name_part + " has an empty range [" + FormatDouble(spec.min) +
               ", " + FormatDouble(spec.max) + "]";
      return false;
    }
    if (!spec.required && spec.default_value != nullptr) {
      Value v;
      std::string why;
      if (!ParseValue(spec, spec.default_value, &v, &why) ||
          !CheckRange(spec, v, &why)) {
        *error = name_part + " has a bad default: " + why;
        return false;
      }
    }
  }
  return true;
}

}  // namespace

ParsedParams::ParsedParams(const ParsedParams& other) { *this = other; }

ParsedParams& ParsedParams::operator=(const ParsedParams& other) {
  if (this == &other) return *this;
  Clear();
  for (const rf_param_value& v : other.values_) {
    Add(std::string_view(v.name.ptr, v.name.len),
        std::string_view(v.text.ptr, v.text.len), v.int_value, v.double_value);
  }
  return *this;
}

const rf_param_value* ParsedParams::Find(std::string_view name) const {
  for (const rf_param_value& v : values_) {
    if (std::string_view(v.name.ptr, v.name.len) == name) return &v;
  }
  return nullptr;
}

std::map<std::string, std::string> ParsedParams::AsMap() const {
  std::map<std::string, std::string> out;
  for (const auto& e : entries_) out[e->name] = e->text;
  return out;
}

bool ParsedParams::ReplaceText(std::string_view name, std::string text,
                               int64_t int_value, double double_value) {
  for (size_t i = 0; i < entries_.size(); ++i) {
    if (entries_[i]->name != name) continue;
    entries_[i]->text = std::move(text);
    values_[i].text = ToRfStr(entries_[i]->text);
    values_[i].int_value = int_value;
    values_[i].double_value = double_value;
    return true;
  }
  return false;
}

void ParsedParams::Add(std::string_view name, std::string_view text,
                       int64_t int_value, double double_value) {
  auto entry = std::make_unique<Entry>();
  entry->name = std::string(name);
  entry->text = std::string(text);
  rf_param_value v;
  v.name = ToRfStr(entry->name);
  v.text = ToRfStr(entry->text);
  v.int_value = int_value;
  v.double_value = double_value;
  // Reserve first so a failing push_back cannot leave the two out of step.
  entries_.reserve(entries_.size() + 1);
  values_.reserve(values_.size() + 1);
  entries_.push_back(std::move(entry));
  values_.push_back(v);
}

void ParsedParams::Clear() {
  entries_.clear();
  values_.clear();
}

bool ParseParams(const rf_param_spec* specs, size_t count,
                 const std::map<std::string, std::string>& raw,
                 ParsedParams* out, std::string* error) {
  out->Clear();
  if (!CheckSchema(specs, count, error)) return false;

  for (const auto& [name, text] : raw) {
    bool known = false;
    for (size_t i = 0; i < count && !known; ++i) known = name == specs[i].name;
    if (known) continue;
    std::string names;
    for (size_t i = 0; i < count; ++i) {
      names += (i == 0 ? "" : ", ") + std::string(specs[i].name);
    }
    *error = "parameter " + Quote(name) + ": unknown parameter; " +
             (count == 0 ? std::string("this detector takes none")
                         : "expected one of: " + names);
    return false;
  }

  ParsedParams parsed;
  for (size_t i = 0; i < count; ++i) {
    const rf_param_spec& spec = specs[i];
    auto it = raw.find(spec.name);
    const char* given = it != raw.end() ? it->second.c_str() : nullptr;
    std::string_view text;
    if (given != nullptr) {
      text = it->second;
    } else if (spec.required) {
      *error = "parameter " + Quote(spec.name) + ": required but not given";
      return false;
    } else if (spec.default_value != nullptr) {
      text = spec.default_value;
    } else {
      continue;  // optional without default: absent
    }
    Value v;
    std::string why;
    if (!ParseValue(spec, text, &v, &why) || !CheckRange(spec, v, &why)) {
      *error = "parameter " + Quote(spec.name) + ": " + why;
      return false;
    }
    parsed.Add(spec.name, v.text, v.int_value, v.double_value);
  }
  *out = std::move(parsed);
  return true;
}

bool ParseDurationMs(std::string_view text, int64_t* ms) {
  struct Unit {
    std::string_view suffix;
    int64_t ms;
  };
  // "ms" before "m" and "s": the longest suffix must win.
  static constexpr Unit kUnits[] = {
      {"ms", 1},          {"s", 1000},         {"m", 60 * 1000},
      {"h", 3600 * 1000}, {"d", 86400 * 1000},
  };
  int64_t scale = 1;
  std::string_view digits = text;
  for (const Unit& u : kUnits) {
    if (text.size() > u.suffix.size() &&
        text.substr(text.size() - u.suffix.size()) == u.suffix) {
      scale = u.ms;
      digits = text.substr(0, text.size() - u.suffix.size());
      break;
    }
  }
  if (digits.empty()) return false;
  for (char c : digits) {
    if (c < '0' || c > '9') return false;
  }
  int64_t n = 0;
  const char* end = digits.data() + digits.size();
  auto [ptr, ec] = std::from_chars(digits.data(), end, n);
  if (ec != std::errc() || ptr != end) return false;
  if (n > std::numeric_limits<int64_t>::max() / scale) return false;
  *ms = n * scale;
  return true;
}

std::string FormatDurationMs(int64_t ms) {
  if (ms == 0) return "0ms";
  static constexpr std::pair<int64_t, const char*> kUnits[] = {
      {86400 * 1000, "d"}, {3600 * 1000, "h"}, {60 * 1000, "m"}, {1000, "s"}};
  for (const auto& [unit, suffix] : kUnits) {
    if (ms % unit == 0) return std::to_string(ms / unit) + suffix;
  }
  return std::to_string(ms) + "ms";
}

int32_t RawParamType(const rf_param_spec& spec) {
  static_assert(sizeof(spec.type) == sizeof(int32_t),
                "rf_param_type is an int-sized C enum");
  int32_t raw;
  std::memcpy(&raw, &spec.type, sizeof(raw));
  return raw;
}

bool IsKnownParamType(const rf_param_spec& spec) {
  const int32_t t = RawParamType(spec);
  return t >= RF_PARAM_INT && t <= RF_PARAM_FILE;
}

const char* ParamTypeName(rf_param_type t) {
  switch (t) {
    case RF_PARAM_INT:
      return "INT";
    case RF_PARAM_DOUBLE:
      return "DOUBLE";
    case RF_PARAM_BOOL:
      return "BOOL";
    case RF_PARAM_STRING:
      return "STRING";
    case RF_PARAM_DURATION:
      return "DURATION";
    case RF_PARAM_LIST:
      return "LIST";
    case RF_PARAM_FILE:
      return "FILE";
  }
  return "UNKNOWN";
}

}  // namespace sdk
}  // namespace riskflow
