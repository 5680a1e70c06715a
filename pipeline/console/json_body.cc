#include "pipeline/console/json_body.h"

#include "absl/strings/numbers.h"
#include "absl/strings/str_cat.h"
#include "simdjson.h"

namespace riskflow::console {

absl::StatusOr<JsonBody> JsonBody::Parse(absl::string_view body,
                                         size_t max_bytes) {
  if (body.size() > max_bytes) {
    return absl::InvalidArgumentError(absl::StrCat(
        "request body is ", body.size(), " bytes; the limit is ", max_bytes));
  }
  simdjson::dom::parser parser;
  simdjson::padded_string padded(body.data(), body.size());
  simdjson::dom::element root;
  if (auto error = parser.parse(padded).get(root); error) {
    return absl::InvalidArgumentError(absl::StrCat(
        "request body is not valid JSON: ", simdjson::error_message(error)));
  }
  simdjson::dom::object object;
  if (root.get_object().get(object) != simdjson::SUCCESS) {
    return absl::InvalidArgumentError("request body must be a JSON object");
  }
  JsonBody out;
  for (simdjson::dom::key_value_pair field : object) {
    std::string key(field.key);
    if (out.fields_.count(key) > 0) {
      return absl::InvalidArgumentError(
          absl::StrCat("field '", key, "' appears twice"));
    }
    Value v;
    switch (field.value.type()) {
      case simdjson::dom::element_type::STRING:
        v.text = std::string(field.value.get_string().value());
        v.is_string = true;
        break;
      case simdjson::dom::element_type::INT64:
        v.text = absl::StrCat(field.value.get_int64().value());
        break;
      case simdjson::dom::element_type::UINT64:
        v.text = absl::StrCat(field.value.get_uint64().value());
        break;
      case simdjson::dom::element_type::BOOL:
        v.text = field.value.get_bool().value() ? "true" : "false";
        break;
      case simdjson::dom::element_type::NULL_VALUE:
        continue;  // same as absent
      default:
        return absl::InvalidArgumentError(absl::StrCat(
            "field '", key,
            "' must be a string, an integer or a boolean"));
    }
    out.fields_.emplace(std::move(key), std::move(v));
  }
  return out;
}

absl::StatusOr<std::string> JsonBody::String(absl::string_view key) const {
  auto it = fields_.find(key);
  if (it == fields_.end()) {
    return absl::InvalidArgumentError(
        absl::StrCat("field '", key, "' is required"));
  }
  if (!it->second.is_string) {
    return absl::InvalidArgumentError(
        absl::StrCat("field '", key, "' must be a string"));
  }
  return it->second.text;
}

absl::StatusOr<int64_t> JsonBody::Int(absl::string_view key) const {
  auto it = fields_.find(key);
  if (it == fields_.end()) {
    return absl::InvalidArgumentError(
        absl::StrCat("field '", key, "' is required"));
  }
  int64_t value = 0;
  if (it->second.is_string || !absl::SimpleAtoi(it->second.text, &value)) {
    return absl::InvalidArgumentError(
        absl::StrCat("field '", key, "' must be an integer"));
  }
  return value;
}

std::optional<std::string> JsonBody::OptionalString(
    absl::string_view key) const {
  auto it = fields_.find(key);
  if (it == fields_.end() || !it->second.is_string) return std::nullopt;
  return it->second.text;
}

}  // namespace riskflow::console
