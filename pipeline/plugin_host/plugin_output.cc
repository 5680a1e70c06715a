#include "pipeline/plugin_host/plugin_output.h"

#include <cmath>

#include "absl/strings/str_cat.h"
#include "pipeline/plugin_host/host_context.h"
#include "pipeline/text/utf8.h"

namespace riskflow::plugin_host {
namespace {

std::string_view View(rf_str s) {
  return s.ptr == nullptr ? std::string_view() : std::string_view(s.ptr, s.len);
}

absl::Status CheckField(const std::string& field, std::string_view value,
                        size_t max_bytes) {
  if (value.size() > max_bytes) {
    return absl::InvalidArgumentError(absl::StrCat(
        field, ": ", value.size(), " bytes, limit ", max_bytes));
  }
  const size_t valid = text::ValidUtf8Prefix(value);
  if (valid != value.size()) {
    return absl::InvalidArgumentError(
        absl::StrCat(field, ": invalid UTF-8 at byte ", valid));
  }
  return absl::OkStatus();
}

}  // namespace

absl::Status CheckAnnotation(const rf_annotation& raw) {
  if (!std::isfinite(raw.score)) {
    return absl::InvalidArgumentError("score: not a finite number");
  }
  if (raw.evidence_count > kMaxEvidenceEntries) {
    return absl::InvalidArgumentError(
        absl::StrCat("evidence: ", raw.evidence_count, " entries, limit ",
                     kMaxEvidenceEntries));
  }
  if (raw.evidence_count > 0 && raw.evidence == nullptr) {
    return absl::InvalidArgumentError("evidence: null with a count");
  }
  const std::string_view reason = View(raw.reason_code);
  const std::string_view message = View(raw.message);
  if (absl::Status s = CheckField("reason_code", reason, kMaxReasonCodeBytes);
      !s.ok()) {
    return s;
  }
  if (absl::Status s = CheckField("message", message, kMaxMessageBytes);
      !s.ok()) {
    return s;
  }
  size_t total = reason.size() + message.size();
  for (size_t i = 0; i < raw.evidence_count; ++i) {
    const std::string_view key = View(raw.evidence[i].key);
    const std::string_view value = View(raw.evidence[i].value);
    if (absl::Status s = CheckField(absl::StrCat("evidence[", i, "].key"), key,
                                    kMaxEvidenceKeyBytes);
        !s.ok()) {
      return s;
    }
    if (absl::Status s = CheckField(absl::StrCat("evidence[", i, "].value"),
                                    value, kMaxEvidenceValueBytes);
        !s.ok()) {
      return s;
    }
    total += key.size() + value.size();
  }
  if (total > kMaxAnnotationBytes) {
    return absl::InvalidArgumentError(absl::StrCat(
        "annotation: ", total, " bytes of text, limit ", kMaxAnnotationBytes));
  }
  return absl::OkStatus();
}

std::string CleanText(std::string_view text, size_t max_bytes) {
  return text::CleanPluginText(text, max_bytes);
}

absl::Status CheckStateName(std::string_view name) {
  return CheckField("state name", name, kMaxStateNameBytes);
}

absl::Status CheckStateBytes(const char* what, std::string_view bytes,
                             size_t max_bytes) {
  // Keys and values are stored as RocksDB bytes, never as proto strings,
  // so only their size is bounded.
  if (bytes.size() <= max_bytes) return absl::OkStatus();
  return absl::InvalidArgumentError(
      absl::StrCat(what, ": ", bytes.size(), " bytes, limit ", max_bytes));
}


bool FinishCall(CallContext* call, riskflow::v1::Decision* decision) {
  for (size_t i = 0; i < call->annotation_count; ++i) {
    riskflow::v1::Annotation& a = call->annotations[i];
    if (!a.degraded()) {
      for (const std::string& name : call->saturated_states) {
        riskflow::v1::Evidence* e = a.add_evidence();
        e->set_key("sum_saturated");
        e->set_value(name);
      }
    }
    // A swap, not a move: `a` gets the decision's recycled (empty)
    // annotation, which the next call reuses (CallContext::NewAnnotation).
    decision->add_annotations()->Swap(&a);
  }
  call->ClearAnnotations();
  return call->invalid_outputs > 0;
}

}  // namespace riskflow::plugin_host
