// param_parse.h — validates a detector's raw parameters against the schema it
// declares in its descriptor, and produces the rf_param_value array handed to
// create(). Used by the real host (pipeline/plugin_host) and by the fake host
// (plugins/sdk/fake_host), so a unit test refuses exactly what production
// refuses. Standard library only.
//
// Normalised forms (rf_param_value.text / int_value / double_value):
//   INT       "42"          int_value 42, double_value 42.0. Decimal only,
//                           optional leading '-'; no '+', no exponent.
//   DOUBLE    "0.25"        double_value; text is the shortest %g form that
//                           reads back as the same double.
//   BOOL      "true"/"false" int_value 1/0, double_value 1.0/0.0. Exactly
//                           these two spellings.
//   STRING    verbatim (the only type whose surrounding spaces are kept).
//   DURATION  "300000ms"    int_value = milliseconds, double_value the same;
//                           text is always "<ms>ms" so it reads back through
//                           ParseDurationMs unchanged.
//   LIST      "A,B,C"       items trimmed of spaces, empty items dropped,
//                           re-joined with ','. Splitting is left to the
//                           detector (riskflow::sdk::Params::List).
//   FILE      "model.json"  the path, trimmed, not empty. ParseParams never
//                           touches the file: LoadFileParams (file_params.h)
//                           replaces the path by the contents before create().
// Ranges (has_range) apply to INT, DOUBLE and DURATION (in milliseconds),
// inclusive at both ends.
#ifndef RISKFLOW_PLUGINS_SDK_PARAM_PARSE_H_
#define RISKFLOW_PLUGINS_SDK_PARAM_PARSE_H_

#include <cstddef>
#include <cstdint>
#include <map>
#include <memory>
#include <string>
#include <string_view>
#include <vector>

#include "plugins/sdk/riskflow_plugin.h"

namespace riskflow {
namespace sdk {

// Owns the strings the rf_param_value entries point into. The entries stay
// valid when a ParsedParams is moved (the strings live in separate heap
// nodes); a copy re-points its entries at its own storage.
class ParsedParams {
 public:
  ParsedParams() = default;
  ParsedParams(ParsedParams&&) noexcept = default;
  ParsedParams& operator=(ParsedParams&&) noexcept = default;
  ParsedParams(const ParsedParams& other);
  ParsedParams& operator=(const ParsedParams& other);

  // The array for create(); valid while this object (or the object it was
  // moved into) lives and is not modified.
  const rf_param_value* data() const { return values_.data(); }
  size_t size() const { return values_.size(); }
  bool empty() const { return values_.empty(); }

  // The entry for name, or nullptr.
  const rf_param_value* Find(std::string_view name) const;

  // name -> normalised text, e.g. for logging the effective configuration.
  std::map<std::string, std::string> AsMap() const;

  // Appends one validated value (ParseParams uses this; so can tests).
  void Add(std::string_view name, std::string_view text, int64_t int_value,
           double double_value);

  // Replaces one entry's value (the host swaps a FILE parameter's path for
  // the file's contents). False when name is not present.
  bool ReplaceText(std::string_view name, std::string text, int64_t int_value,
                   double double_value);

  void Clear();

 private:
  struct Entry {
    std::string name;
    std::string text;
  };
  std::vector<std::unique_ptr<Entry>> entries_;
  std::vector<rf_param_value> values_;
};

// Validates raw (name -> text) against specs[0..count) and writes the
// normalised values, in schema order, to *out. Defaults are applied for
// parameters not given; an optional parameter with neither a value nor a
// default is left out (Params::Has() is false for it).
//
// On failure returns false, leaves *out empty and sets *error to a sentence
// naming the parameter, e.g.
//   parameter 'max_events': expected an integer, got 'ten'
// Schema mistakes (struct_size too small, null or empty name, duplicate
// names, unknown type, a default that does not parse or is out of range,
// min > max) are refused the same way, prefixed "parameter schema:".
bool ParseParams(const rf_param_spec* specs, size_t count,
                 const std::map<std::string, std::string>& raw,
                 ParsedParams* out, std::string* error);

// "250ms", "30s", "5m", "24h", "7d", or a plain non-negative integer meaning
// milliseconds. No sign, fractions, spaces or compound forms ("1h30m").
// False on anything else or on overflow.
bool ParseDurationMs(std::string_view text, int64_t* ms);

// The largest unit that divides ms exactly: 60000 -> "1m", 1500 -> "1500ms",
// 0 -> "0ms". Negative values keep their sign ("-2s").
std::string FormatDurationMs(int64_t ms);

// spec.type as the integer the plugin stored. A plugin is C (or built
// against a newer ABI minor) and may store any int there; in C++ loading an
// rf_param_type outside the enum's range is undefined behaviour (UBSan:
// "load of value 9, which is not a valid value for type 'rf_param_type'",
// found by //fuzz:param_parse_fuzzer), so the host checks this value
// before it reads spec.type itself.
int32_t RawParamType(const rf_param_spec& spec);

// True for RF_PARAM_INT .. RF_PARAM_FILE.
bool IsKnownParamType(const rf_param_spec& spec);

// "INT", "DOUBLE", "BOOL", "STRING", "DURATION", "LIST", "FILE"; "UNKNOWN"
// otherwise.
const char* ParamTypeName(rf_param_type t);

}  // namespace sdk
}  // namespace riskflow

#endif  // RISKFLOW_PLUGINS_SDK_PARAM_PARSE_H_
