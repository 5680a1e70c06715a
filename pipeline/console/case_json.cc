#include "pipeline/console/case_json.h"

#include "absl/strings/str_cat.h"

namespace riskflow::console {

void WriteCase(const cases::Case& c, report::JsonWriter* w) {
  w->BeginObject()
      .Key("id").Int(c.id)
      .Key("account_id").String(c.account_id)
      .Key("state").String(cases::StateName(c.state))
      .Key("version").Int(c.version)
      .Key("severity").String(c.severity)
      .Key("opened_ms").Int(c.opened_ms)
      .Key("updated_ms").Int(c.updated_ms)
      .Key("state_since_ms").Int(c.state_since_ms)
      .Key("decision_count").Int(c.decision_count)
      .Key("has_freeze").Bool(c.has_freeze)
      .Key("max_freeze_amount_minor").Int(c.max_freeze_amount_minor)
      .Key("ever_confirmed").Bool(c.ever_confirmed)
      .Key("release_requested_by").String(c.release_requested_by)
      .Key("sla_deadline_ms").Int(c.sla_deadline_ms)
      .Key("overdue").Bool(c.overdue)
      .EndObject();
}

void WriteCaseAction(const cases::CaseAction& a, report::JsonWriter* w) {
  w->BeginObject()
      .Key("id").Int(a.id)
      .Key("time_ms").Int(a.time_ms)
      .Key("actor").String(a.actor)
      .Key("role").String(a.role)
      .Key("action").String(a.action)
      .Key("from_state").String(a.from_state)
      .Key("to_state").String(a.to_state)
      .Key("note").String(a.note)
      .Key("attachments").BeginArray();
  for (const std::string& ref : a.attachments) w->String(ref);
  w->EndArray().EndObject();
}

void WriteDecision(const riskflow::v1::Decision& d, report::JsonWriter* w) {
  w->BeginObject()
      .Key("decision_id").String(d.decision_id())
      .Key("event_id").String(d.event_id())
      .Key("channel_id").String(d.channel_id())
      .Key("account_id").String(d.account_id())
      .Key("sequence").Int(static_cast<int64_t>(d.sequence()))
      .Key("event_time_ms").Int(d.event_time_ms())
      .Key("route").String(riskflow::v1::Route_Name(d.route()))
      .Key("pipeline_version").String(d.pipeline_version())
      .Key("late").Bool(d.late())
      .Key("annotations").BeginArray();
  for (const riskflow::v1::Annotation& a : d.annotations()) {
    w->BeginObject()
        .Key("detector").String(a.detector())
        .Key("detector_version").String(a.detector_version())
        .Key("score").Ratio(a.score())
        .Key("reason_code").String(a.reason_code())
        .Key("message").String(a.message())
        .Key("route").String(riskflow::v1::Route_Name(a.route()))
        .Key("degraded").Bool(a.degraded())
        .Key("suppressed_by").String(a.suppressed_by())
        .Key("evidence").BeginArray();
    for (const riskflow::v1::Evidence& e : a.evidence()) {
      w->BeginObject().Key("key").String(e.key()).Key("value").String(e.value())
          .EndObject();
    }
    w->EndArray().EndObject();
  }
  w->EndArray().Key("plugin_builds").BeginArray();
  for (const riskflow::v1::PluginBuild& b : d.plugin_builds()) {
    w->BeginObject().Key("detector").String(b.detector())
        .Key("build_id").String(b.build_id()).EndObject();
  }
  w->EndArray().EndObject();
}

void WriteAuditEntry(const cases::AuditEntry& e, report::JsonWriter* w) {
  w->BeginObject()
      .Key("seq").Int(e.seq)
      .Key("time_ms").Int(e.time_ms)
      .Key("actor").String(e.actor)
      .Key("action").String(e.action)
      .Key("subject").String(e.subject)
      .Key("detail").String(e.detail)
      .Key("prev_hash").String(e.prev_hash)
      .Key("hash").String(e.hash)
      .EndObject();
}

}  // namespace riskflow::console
