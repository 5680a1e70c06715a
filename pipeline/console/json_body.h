#ifndef RISKFLOW_PIPELINE_CONSOLE_JSON_BODY_H_
#define RISKFLOW_PIPELINE_CONSOLE_JSON_BODY_H_

// Request bodies of the console's JSON API: one flat object whose values are
// strings, integers or booleans (numbers and booleans are kept as their
// text). Anything else — nesting, duplicate keys, invalid UTF-8, a body
// over the limit — is refused with an error that names the problem.

#include <cstddef>
#include <map>
#include <optional>
#include <string>
#include "absl/strings/string_view.h"

#include "absl/status/statusor.h"

namespace riskflow::console {

inline constexpr size_t kMaxJsonBodyBytes = 256 * 1024;

class JsonBody {
 public:
  static absl::StatusOr<JsonBody> Parse(absl::string_view body,
                                        size_t max_bytes = kMaxJsonBodyBytes);

  // INVALID_ARGUMENT naming the field when missing or of the wrong type.
  absl::StatusOr<std::string> String(absl::string_view key) const;
  absl::StatusOr<int64_t> Int(absl::string_view key) const;
  std::optional<std::string> OptionalString(absl::string_view key) const;
  bool Has(absl::string_view key) const { return fields_.count(key) > 0; }

 private:
  struct Value {
    std::string text;
    bool is_string = false;
  };
  std::map<std::string, Value, std::less<>> fields_;
};

}  // namespace riskflow::console

#endif  // RISKFLOW_PIPELINE_CONSOLE_JSON_BODY_H_
