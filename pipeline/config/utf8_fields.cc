#include "pipeline/config/utf8_fields.h"

#include <string>

#include "absl/strings/str_cat.h"
#include "google/protobuf/descriptor.h"
#include "google/protobuf/stubs/common.h"

namespace riskflow {
namespace config {
namespace {

namespace pb = ::google::protobuf;

bool ValidUtf8(const std::string& s) {
  return pb::internal::IsStructurallyValidUTF8(s.data(),
                                               static_cast<int>(s.size()));
}

absl::Status Bad(const std::string& path) {
  return absl::InvalidArgumentError(absl::StrCat(path, ": not valid UTF-8"));
}

// Prints a map key for the path; a key that is itself the problem is
// replaced by its position.
std::string KeyPart(const pb::Message& entry, int index) {
  const pb::FieldDescriptor* key = entry.GetDescriptor()->map_key();
  if (key->type() != pb::FieldDescriptor::TYPE_STRING) return "";
  const std::string k = entry.GetReflection()->GetString(entry, key);
  return ValidUtf8(k) ? k : absl::StrCat("<key #", index, ">");
}

absl::Status Walk(const pb::Message& message, const std::string& prefix) {
  const pb::Reflection* r = message.GetReflection();
  const pb::Descriptor* d = message.GetDescriptor();
  for (int i = 0; i < d->field_count(); ++i) {
    const pb::FieldDescriptor* f = d->field(i);
    const std::string path =
        prefix.empty() ? f->name() : absl::StrCat(prefix, ".", f->name());
    if (f->is_map()) {
      const pb::FieldDescriptor* value = f->message_type()->map_value();
      for (int j = 0; j < r->FieldSize(message, f); ++j) {
        const pb::Message& entry = r->GetRepeatedMessage(message, f, j);
        const pb::Reflection* er = entry.GetReflection();
        const pb::FieldDescriptor* key = f->message_type()->map_key();
        const std::string at = absl::StrCat(path, ".", KeyPart(entry, j));
        if (key->type() == pb::FieldDescriptor::TYPE_STRING &&
            !ValidUtf8(er->GetString(entry, key))) {
          return Bad(at);
        }
        if (value->type() == pb::FieldDescriptor::TYPE_STRING &&
            !ValidUtf8(er->GetString(entry, value))) {
          return Bad(at);
        }
        if (value->type() == pb::FieldDescriptor::TYPE_MESSAGE) {
          absl::Status s = Walk(er->GetMessage(entry, value), at);
          if (!s.ok()) return s;
        }
      }
    } else if (f->is_repeated()) {
      for (int j = 0; j < r->FieldSize(message, f); ++j) {
        const std::string at = absl::StrCat(path, "[", j, "]");
        if (f->type() == pb::FieldDescriptor::TYPE_STRING &&
            !ValidUtf8(r->GetRepeatedString(message, f, j))) {
          return Bad(at);
        }
        if (f->type() == pb::FieldDescriptor::TYPE_MESSAGE) {
          absl::Status s = Walk(r->GetRepeatedMessage(message, f, j), at);
          if (!s.ok()) return s;
        }
      }
    } else if (f->type() == pb::FieldDescriptor::TYPE_STRING) {
      if (!ValidUtf8(r->GetString(message, f))) return Bad(path);
    } else if (f->type() == pb::FieldDescriptor::TYPE_MESSAGE &&
               r->HasField(message, f)) {
      absl::Status s = Walk(r->GetMessage(message, f), path);
      if (!s.ok()) return s;
    }
  }
  return absl::OkStatus();
}

}  // namespace

absl::Status CheckUtf8Fields(const google::protobuf::Message& message) {
  return Walk(message, "");
}

}  // namespace config
}  // namespace riskflow
