#include "pipeline/sinks/sink_entry.h"

#include <cstring>
#include <vector>

#include "absl/strings/str_cat.h"
#include "google/protobuf/descriptor.h"
#include "google/protobuf/io/coded_stream.h"
#include "google/protobuf/message.h"
#include "google/protobuf/unknown_field_set.h"
#include "pipeline/text/utf8.h"

namespace riskflow::sinks {
namespace {

using google::protobuf::Descriptor;
using google::protobuf::FieldDescriptor;
using google::protobuf::Message;
using google::protobuf::Reflection;
using google::protobuf::UnknownField;
using google::protobuf::UnknownFieldSet;
using riskflow::v1::Annotation;
using riskflow::v1::Decision;

// Deep enough for Decision > Annotation > Evidence, with room to grow; a
// bound because the bytes may be anything.
constexpr int kMaxDepth = 8;

// Replaces invalid UTF-8 in every string field of m, recursively.
void SanitizeStrings(Message* m) {
  const Reflection* r = m->GetReflection();
  std::vector<const FieldDescriptor*> fields;
  r->ListFields(*m, &fields);
  for (const FieldDescriptor* f : fields) {
    if (f->cpp_type() == FieldDescriptor::CPPTYPE_STRING &&
        f->type() == FieldDescriptor::TYPE_STRING) {
      if (f->is_repeated()) {
        for (int i = 0; i < r->FieldSize(*m, f); ++i) {
          const std::string s = r->GetRepeatedString(*m, f, i);
          if (!text::IsValidUtf8(s)) {
            r->SetRepeatedString(m, f, i, text::SanitizeUtf8(s));
          }
        }
      } else {
        const std::string s = r->GetString(*m, f);
        if (!text::IsValidUtf8(s)) r->SetString(m, f, text::SanitizeUtf8(s));
      }
    } else if (f->cpp_type() == FieldDescriptor::CPPTYPE_MESSAGE) {
      if (f->is_repeated()) {
        for (int i = 0; i < r->FieldSize(*m, f); ++i) {
          SanitizeStrings(r->MutableRepeatedMessage(m, f, i));
        }
      } else {
        SanitizeStrings(r->MutableMessage(m, f));
      }
    }
  }
}

}  // namespace

bool AllStringsValid(const Decision& d) {
  using text::IsValidUtf8;
  if (!IsValidUtf8(d.decision_id()) || !IsValidUtf8(d.event_id()) ||
      !IsValidUtf8(d.channel_id()) || !IsValidUtf8(d.account_id()) ||
      !IsValidUtf8(d.pipeline_version())) {
    return false;
  }
  for (const Annotation& a : d.annotations()) {
    if (!IsValidUtf8(a.detector()) || !IsValidUtf8(a.detector_version()) ||
        !IsValidUtf8(a.reason_code()) || !IsValidUtf8(a.message()) ||
        !IsValidUtf8(a.suppressed_by())) {
      return false;
    }
    for (const riskflow::v1::Evidence& e : a.evidence()) {
      if (!IsValidUtf8(e.key()) || !IsValidUtf8(e.value())) return false;
    }
  }
  for (const riskflow::v1::PluginBuild& b : d.plugin_builds()) {
    if (!IsValidUtf8(b.detector()) || !IsValidUtf8(b.build_id())) return false;
    // FILE parameters: a path is whatever bytes the file system allows.
    for (const riskflow::v1::ParamFile& f : b.files()) {
      if (!IsValidUtf8(f.param()) || !IsValidUtf8(f.path()) ||
          !IsValidUtf8(f.sha256())) {
        return false;
      }
    }
  }
  return true;
}

namespace {

Annotation* AddStorageNote(Decision* d, const char* reason,
                           std::string message) {
  Annotation* a = d->add_annotations();
  a->set_detector(kStorageDetector);
  a->set_reason_code(reason);
  a->set_message(std::move(message));
  a->set_degraded(true);
  return a;
}

// Cuts d down to fit max_bytes: first every message and evidence, then
// annotations from the end; the routes never change, and the note says what
// happened (the note itself is small and always fits: ids are bounded at
// ingest).
void Truncate(Decision* d, size_t original, size_t max_bytes) {
  for (Annotation& a : *d->mutable_annotations()) {
    a.clear_message();
    a.clear_evidence();
  }
  const std::string note = absl::StrCat(
      "decision of ", original, " bytes cut to the ", max_bytes,
      "-byte entry limit: annotation messages and evidence dropped");
  // Room for the note and its framing.
  const size_t budget = max_bytes > note.size() + 256
                            ? max_bytes - note.size() - 256
                            : 0;
  int dropped = 0;
  while (d->annotations_size() > 0 && d->ByteSizeLong() > budget) {
    d->mutable_annotations()->RemoveLast();
    ++dropped;
  }
  Annotation* a = AddStorageNote(
      d, kEntryTruncated,
      dropped == 0 ? note
                   : absl::StrCat(note, ", and the last ", dropped,
                                  " annotations"));
  a->set_route(d->route());
}

bool SetScalar(Message* m, const FieldDescriptor* f, uint64_t raw) {
  const Reflection* r = m->GetReflection();
  const bool rep = f->is_repeated();
  switch (f->cpp_type()) {
    case FieldDescriptor::CPPTYPE_INT32:
      rep ? r->AddInt32(m, f, static_cast<int32_t>(raw))
          : r->SetInt32(m, f, static_cast<int32_t>(raw));
      return true;
    case FieldDescriptor::CPPTYPE_INT64:
      rep ? r->AddInt64(m, f, static_cast<int64_t>(raw))
          : r->SetInt64(m, f, static_cast<int64_t>(raw));
      return true;
    case FieldDescriptor::CPPTYPE_UINT32:
      rep ? r->AddUInt32(m, f, static_cast<uint32_t>(raw))
          : r->SetUInt32(m, f, static_cast<uint32_t>(raw));
      return true;
    case FieldDescriptor::CPPTYPE_UINT64:
      rep ? r->AddUInt64(m, f, raw) : r->SetUInt64(m, f, raw);
      return true;
    case FieldDescriptor::CPPTYPE_BOOL:
      rep ? r->AddBool(m, f, raw != 0) : r->SetBool(m, f, raw != 0);
      return true;
    case FieldDescriptor::CPPTYPE_ENUM:
      rep ? r->AddEnumValue(m, f, static_cast<int>(raw))
          : r->SetEnumValue(m, f, static_cast<int>(raw));
      return true;
    case FieldDescriptor::CPPTYPE_DOUBLE: {
      double v;
      std::memcpy(&v, &raw, sizeof(v));
      rep ? r->AddDouble(m, f, v) : r->SetDouble(m, f, v);
      return true;
    }
    case FieldDescriptor::CPPTYPE_FLOAT: {
      float v;
      const uint32_t raw32 = static_cast<uint32_t>(raw);
      std::memcpy(&v, &raw32, sizeof(v));
      rep ? r->AddFloat(m, f, v) : r->SetFloat(m, f, v);
      return true;
    }
    default:
      return false;
  }
}

// Reads the wire format field by field into m: what the strict parser does,
// except that invalid UTF-8 in a string is repaired instead of failing the
// whole message. Unknown field numbers are skipped. False on bytes that are
// not a protobuf message at all (or a wire type that contradicts the
// schema).
bool LenientParse(std::string_view bytes, Message* m, int depth) {
  if (depth > kMaxDepth) return false;
  UnknownFieldSet set;
  if (!set.ParseFromArray(bytes.data(), static_cast<int>(bytes.size()))) {
    return false;
  }
  const Descriptor* d = m->GetDescriptor();
  const Reflection* r = m->GetReflection();
  for (int i = 0; i < set.field_count(); ++i) {
    const UnknownField& u = set.field(i);
    const FieldDescriptor* f = d->FindFieldByNumber(u.number());
    if (f == nullptr) continue;
    switch (u.type()) {
      case UnknownField::TYPE_VARINT:
        if (!SetScalar(m, f, u.varint())) return false;
        break;
      case UnknownField::TYPE_FIXED64:
        if (!SetScalar(m, f, u.fixed64())) return false;
        break;
      case UnknownField::TYPE_FIXED32:
        if (!SetScalar(m, f, u.fixed32())) return false;
        break;
      case UnknownField::TYPE_LENGTH_DELIMITED: {
        const std::string& payload = u.length_delimited();
        if (f->cpp_type() == FieldDescriptor::CPPTYPE_STRING) {
          std::string s = f->type() == FieldDescriptor::TYPE_STRING
                              ? text::SanitizeUtf8(payload)
                              : payload;
          f->is_repeated() ? r->AddString(m, f, std::move(s))
                           : r->SetString(m, f, std::move(s));
        } else if (f->cpp_type() == FieldDescriptor::CPPTYPE_MESSAGE) {
          Message* sub = f->is_repeated() ? r->AddMessage(m, f)
                                          : r->MutableMessage(m, f);
          if (!LenientParse(payload, sub, depth + 1)) return false;
        } else if (f->is_repeated() && f->is_packable()) {
          // Packed repeated scalars (e.g. Decision.routes).
          google::protobuf::io::CodedInputStream in(
              reinterpret_cast<const uint8_t*>(payload.data()),
              static_cast<int>(payload.size()));
          while (in.BytesUntilLimit() > 0) {
            uint64_t v = 0;
            bool ok = false;
            if (f->type() == FieldDescriptor::TYPE_DOUBLE ||
                f->type() == FieldDescriptor::TYPE_FIXED64 ||
                f->type() == FieldDescriptor::TYPE_SFIXED64) {
              ok = in.ReadLittleEndian64(&v);
            } else if (f->type() == FieldDescriptor::TYPE_FLOAT ||
                       f->type() == FieldDescriptor::TYPE_FIXED32 ||
                       f->type() == FieldDescriptor::TYPE_SFIXED32) {
              uint32_t v32 = 0;
              ok = in.ReadLittleEndian32(&v32);
              v = v32;
            } else {
              ok = in.ReadVarint64(&v);
            }
            if (!ok || !SetScalar(m, f, v)) return false;
          }
        } else {
          return false;
        }
        break;
      }
      default:  // groups: never used by riskflow's protos
        return false;
    }
  }
  return true;
}

}  // namespace

void MakeStorable(Decision* decision, size_t max_bytes) {
  if (!AllStringsValid(*decision)) SanitizeStrings(decision);
  const size_t size = decision->ByteSizeLong();
  if (size > max_bytes) Truncate(decision, size, max_bytes);
}

void EncodeDecision(Decision* decision, std::string* bytes, size_t max_bytes) {
  bytes->clear();
  AppendEncodedDecision(decision, bytes, max_bytes);
}

void AppendEncodedDecision(Decision* decision, std::string* bytes,
                           size_t max_bytes) {
  // The direct check is ~10x cheaper than the generic repair by reflection,
  // which only runs when something is wrong.
  if (!AllStringsValid(*decision)) SanitizeStrings(decision);
  const size_t start = bytes->size();
  decision->AppendToString(bytes);
  const size_t size = bytes->size() - start;
  if (size <= max_bytes) return;
  bytes->resize(start);
  Truncate(decision, size, max_bytes);
  decision->AppendToString(bytes);
}

DecodeResult DecodeDecision(std::string_view bytes, std::string_view what,
                            Decision* out) {
  out->Clear();
  if (out->ParseFromArray(bytes.data(), static_cast<int>(bytes.size()))) {
    return DecodeResult::kOk;
  }
  out->Clear();
  if (LenientParse(bytes, out, 0)) {
    AddStorageNote(out, kEntryRepaired,
                   absl::StrCat(std::string(what), " held invalid UTF-8 (written before "
                                      "plugin output was checked); shown "
                                      "with U+FFFD in its place"));
    return DecodeResult::kRepaired;
  }
  UnreadableEntry(absl::StrCat(std::string(what), " (", bytes.size(),
                               " bytes) is unreadable; skipped so the "
                               "reader can go on"),
                  out);
  return DecodeResult::kUnreadable;
}

void UnreadableEntry(std::string message, Decision* out) {
  out->Clear();
  AddStorageNote(out, kEntryUnreadable, std::move(message));
}

}  // namespace riskflow::sinks
