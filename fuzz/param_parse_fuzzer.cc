// Detector parameters as the plugin host validates them before create()
// (plugins/sdk/param_parse.h): a schema a plugin declares and the raw
// name -> text values a pipeline YAML gives.
//
// Input, one item per line:
//   S<type><required><has_range>|<name>|<default>|<min>|<max>
//       one rf_param_spec; <type> a digit (1 INT .. 7 FILE, others are
//       unknown types), <required>/<has_range> '0' or '1'; a line without a
//       <default> field declares none
//   P<name>=<value>   one raw parameter
//   D<text>           ParseDurationMs(text)
// Properties: failures leave the output empty and say why; a success holds
// each schema parameter at most once; the normalised values parse again
// under the same schema to the same values (the host logs them and a
// reload re-reads them); a parsed duration formats and parses back to
// the same milliseconds.
#include <cstddef>
#include <cstdint>
#include <cstdlib>
#include <cstring>
#include <map>
#include <string>
#include <string_view>
#include <vector>

#include "fuzz/fuzz_util.h"
#include "plugins/sdk/param_parse.h"

namespace {

using riskflow::fuzz::Show;

std::vector<std::string_view> Split(std::string_view s, char sep) {
  std::vector<std::string_view> out;
  size_t start = 0;
  while (true) {
    size_t at = s.find(sep, start);
    if (at == std::string_view::npos) {
      out.push_back(s.substr(start));
      return out;
    }
    out.push_back(s.substr(start, at - start));
    start = at + 1;
  }
}

double ToDouble(std::string_view s) {
  std::string copy(s);
  return std::strtod(copy.c_str(), nullptr);
}

void CheckDuration(std::string_view text) {
  int64_t ms = 0;
  if (!riskflow::sdk::ParseDurationMs(text, &ms)) return;
  FUZZ_CHECK(ms >= 0, "negative duration from " + Show(text));
  const std::string formatted = riskflow::sdk::FormatDurationMs(ms);
  int64_t again = -1;
  FUZZ_CHECK(riskflow::sdk::ParseDurationMs(formatted, &again) && again == ms,
             "duration " + Show(text) + " formats as " + formatted +
                 " which does not read back");
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  const std::string_view input(reinterpret_cast<const char*>(data), size);
  // Strings the specs point into: stable storage for the whole call.
  std::vector<std::string> names;
  std::vector<std::string> defaults;
  std::vector<rf_param_spec> specs;
  std::vector<bool> has_default;
  std::map<std::string, std::string> raw;
  names.reserve(size);
  defaults.reserve(size);

  for (std::string_view line : Split(input, '\n')) {
    if (line.empty()) continue;
    const char kind = line[0];
    line.remove_prefix(1);
    if (kind == 'S' && line.size() >= 3) {
      std::vector<std::string_view> f = Split(line.substr(3), '|');
      rf_param_spec spec{};
      spec.struct_size = sizeof(rf_param_spec);
      // Stored as the int a C plugin may put there, in or out of range.
      const int32_t type = line[0] - '0';
      std::memcpy(&spec.type, &type, sizeof(type));
      spec.required = line[1] == '1';
      spec.has_range = line[2] == '1';
      names.emplace_back(f.size() > 1 ? f[1] : std::string_view());
      spec.name = names.back().c_str();
      defaults.emplace_back(f.size() > 2 ? f[2] : std::string_view());
      spec.default_value = f.size() > 2 ? defaults.back().c_str() : nullptr;
      spec.min = f.size() > 3 ? ToDouble(f[3]) : 0;
      spec.max = f.size() > 4 ? ToDouble(f[4]) : 0;
      spec.doc = "";
      specs.push_back(spec);
    } else if (kind == 'P') {
      size_t eq = line.find('=');
      if (eq == std::string_view::npos) continue;
      raw[std::string(line.substr(0, eq))] = std::string(line.substr(eq + 1));
    } else if (kind == 'D') {
      CheckDuration(line);
    }
  }

  riskflow::sdk::ParsedParams parsed;
  std::string error;
  const bool ok = riskflow::sdk::ParseParams(specs.data(), specs.size(), raw,
                                             &parsed, &error);
  if (!ok) {
    FUZZ_CHECK(parsed.empty(), "failure left values behind");
    FUZZ_CHECK(!error.empty(), "failure without a reason");
    return 0;
  }
  FUZZ_CHECK(parsed.size() <= specs.size(), "more values than parameters");
  const std::map<std::string, std::string> normalised = parsed.AsMap();
  FUZZ_CHECK(normalised.size() == parsed.size(), "a parameter twice");
  for (const auto& [name, text] : normalised) {
    FUZZ_CHECK(parsed.Find(name) != nullptr, "Find misses " + name);
  }

  // Normalised values are a fixed point.
  riskflow::sdk::ParsedParams again;
  std::string again_error;
  FUZZ_CHECK(riskflow::sdk::ParseParams(specs.data(), specs.size(),
                                        normalised, &again, &again_error),
             "normalised values are refused: " + again_error);
  FUZZ_CHECK(again.AsMap() == normalised, "normalising twice changes values");
  for (size_t i = 0; i < parsed.size(); ++i) {
    const rf_param_value& a = parsed.data()[i];
    const rf_param_value& b = again.data()[i];
    FUZZ_CHECK(a.int_value == b.int_value, "int_value changes");
    FUZZ_CHECK(a.double_value == b.double_value ||
                   (a.double_value != a.double_value &&
                    b.double_value != b.double_value),
               "double_value changes");
  }
  // Copies re-point at their own storage.
  riskflow::sdk::ParsedParams copy = parsed;
  FUZZ_CHECK(copy.AsMap() == normalised, "a copy differs");
  return 0;
}
