#include "pipeline/replay/decision_json.h"

#include "absl/strings/str_cat.h"
#include "google/protobuf/unknown_field_set.h"
#include "pipeline/replay/jsonl_reader.h"

namespace riskflow::replay {
namespace {

// Characters the protobuf printer copies verbatim. It escapes controls,
// '"', '\\', DEL and non-ASCII, and (as HTML-safe \u escapes) some of
// '<', '>', '&', '\'', '='; all of those take the slow path.
bool Plain(const std::string& s) {
  for (unsigned char c : s) {
    if (c < 0x20 || c >= 0x7f || c == '"' || c == '\\' || c == '<' ||
        c == '>' || c == '&' || c == '\'' || c == '=') {
      return false;
    }
  }
  return true;
}

bool FastPathApplies(const riskflow::v1::Decision& d) {
  if (d.annotations_size() > 0 || d.plugin_builds_size() > 0 ||
      !d.GetReflection()->GetUnknownFields(d).empty()) {
    return false;
  }
  if (!riskflow::v1::Route_IsValid(d.route())) return false;
  for (int r : d.routes()) {
    if (!riskflow::v1::Route_IsValid(r)) return false;
  }
  return Plain(d.decision_id()) && Plain(d.event_id()) &&
         Plain(d.channel_id()) && Plain(d.account_id()) &&
         Plain(d.pipeline_version());
}

// Proto3 JSON: default values are left out; fields in number order.
class Fields {
 public:
  explicit Fields(std::string* out) : out_(out) { out_->push_back('{'); }
  void String(const char* name, const std::string& value) {
    if (value.empty()) return;
    absl::StrAppend(Key(name), "\"", value, "\"");
  }
  // 64-bit integers are JSON strings (they may not fit a double).
  template <typename Int>
  void Int64(const char* name, Int value) {
    if (value == 0) return;
    absl::StrAppend(Key(name), "\"", value, "\"");
  }
  void Finish() { out_->append("}\n"); }
  std::string* Key(const char* name) {
    if (!first_) out_->push_back(',');
    first_ = false;
    absl::StrAppend(out_, "\"", name, "\":");
    return out_;
  }

 private:
  std::string* out_;
  bool first_ = true;
};

}  // namespace

void AppendDecisionJsonLine(const riskflow::v1::Decision& d,
                            std::string* out) {
  if (!FastPathApplies(d)) {
    out->append(DecisionToJson(d));
    out->push_back('\n');
    return;
  }
  Fields f(out);
  f.String("decision_id", d.decision_id());
  f.String("event_id", d.event_id());
  f.String("channel_id", d.channel_id());
  f.String("account_id", d.account_id());
  f.Int64("sequence", d.sequence());
  f.Int64("event_time_ms", d.event_time_ms());
  if (d.routes_size() > 0) {
    std::string* o = f.Key("routes");
    o->push_back('[');
    for (int i = 0; i < d.routes_size(); ++i) {
      if (i > 0) o->push_back(',');
      absl::StrAppend(o, "\"", riskflow::v1::Route_Name(d.routes(i)), "\"");
    }
    o->push_back(']');
  }
  if (d.route() != 0) {
    absl::StrAppend(f.Key("route"), "\"", riskflow::v1::Route_Name(d.route()),
                    "\"");
  }
  f.String("pipeline_version", d.pipeline_version());
  if (d.late()) f.Key("late")->append("true");
  f.Int64("sink_sequence", d.sink_sequence());
  f.Finish();
}

}  // namespace riskflow::replay
