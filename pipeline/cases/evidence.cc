// CaseStore's evidence bundle: one canonical JSON document per case built
// only from what never changes once stored (the case's account and opening
// time, and the decisions in the order they were attached, as received
// from the Sinks API), so its SHA-256 changes only when evidence is
// appended, never when a reviewer acts. The workflow is in the audit log.
#include <set>
#include <utility>

#include "absl/strings/str_cat.h"
#include "absl/strings/str_join.h"
#include "pipeline/cases/case_store.h"
#include "pipeline/cases/json_text.h"
#include "pipeline/config/hashing.h"
#include "pipeline/replay/jsonl_reader.h"

namespace riskflow::cases {

absl::StatusOr<CaseStore::Export> CaseStore::BuildEvidenceLocked(
    int64_t case_id) {
  absl::StatusOr<Case> c = LoadLocked(case_id);
  if (!c.ok()) return c.status();
  absl::StatusOr<Stmt> stmt = db_->Prepare(
      "SELECT sink, received_ms, decision FROM case_decisions "
      "WHERE case_id = ? ORDER BY ord");
  if (!stmt.ok()) return stmt.status();
  stmt->Bind(1, case_id);
  std::set<std::string> versions;
  std::set<std::pair<std::string, std::string>> builds;
  std::set<std::string> list_entries;
  std::vector<std::string> items;
  while (true) {
    absl::StatusOr<bool> row = stmt->Step();
    if (!row.ok()) return row.status();
    if (!*row) break;
    riskflow::v1::Decision d;
    if (!d.ParseFromString(stmt->Text(2))) {
      return absl::DataLossError(
          absl::StrCat("case ", case_id, ": a stored decision does not parse"));
    }
    versions.insert(d.pipeline_version());
    for (const riskflow::v1::PluginBuild& b : d.plugin_builds()) {
      builds.emplace(b.detector(), b.build_id());
    }
    for (const riskflow::v1::Annotation& a : d.annotations()) {
      if (!a.suppressed_by().empty()) list_entries.insert(a.suppressed_by());
    }
    items.push_back(absl::StrCat(
        "{\"received_from\":", JsonString(stmt->Text(0)),
        ",\"received_ms\":", stmt->Int(1),
        ",\"decision\":", riskflow::replay::DecisionToJson(d), "}"));
  }
  std::vector<std::string> version_items;
  for (const std::string& v : versions) version_items.push_back(JsonString(v));
  std::vector<std::string> build_items;
  for (const auto& [detector, id] : builds) {
    build_items.push_back(absl::StrCat("{\"detector\":", JsonString(detector),
                                       ",\"build_id\":", JsonString(id), "}"));
  }
  std::vector<std::string> list_items;
  for (const std::string& e : list_entries) list_items.push_back(JsonString(e));
  // The account's recent events, as frozen when the case opened and when
  // flags joined (recent_events.cc); pending while a fetch is queued.
  std::vector<std::string> snapshots;
  {
    absl::StatusOr<Stmt> snap = db_->Prepare(
        "SELECT json FROM case_recent_events WHERE case_id = ? ORDER BY id");
    if (!snap.ok()) return snap.status();
    snap->Bind(1, case_id);
    while (true) {
      absl::StatusOr<bool> row = snap->Step();
      if (!row.ok()) return row.status();
      if (!*row) break;
      snapshots.push_back(snap->Text(0));
    }
  }
  bool pending = false;
  {
    absl::StatusOr<Stmt> todo = db_->Prepare(
        "SELECT 1 FROM recent_events_todo WHERE case_id = ?");
    if (!todo.ok()) return todo.status();
    todo->Bind(1, case_id);
    absl::StatusOr<bool> row = todo->Step();
    if (!row.ok()) return row.status();
    pending = *row;
  }
  Export out;
  out.json = absl::StrCat(
      "{\"format\":\"riskflow-case-evidence/1\",\"case\":{\"id\":", c->id,
      ",\"account_id\":", JsonString(c->account_id),
      ",\"opened_ms\":", c->opened_ms,
      "},\"pipeline_versions\":[", absl::StrJoin(version_items, ","),
      "],\"plugin_builds\":[", absl::StrJoin(build_items, ","),
      "],\"list_entries_applied\":[", absl::StrJoin(list_items, ","),
      "],\"recent_account_events\":{\"pending\":", pending ? "true" : "false",
      ",\"snapshots\":[", absl::StrJoin(snapshots, ","),
      "]},\"decisions\":[",
      absl::StrJoin(items, ","), "]}\n");
  out.sha256 = config::Sha256Hex(out.json);
  return out;
}

absl::StatusOr<CaseStore::Export> CaseStore::ExportEvidence(
    int64_t case_id, const std::string& actor) {
  if (actor.empty()) {
    return absl::InvalidArgumentError("actor: required (who exports)");
  }
  absl::MutexLock lock(&mu_);
  absl::StatusOr<Export> out;
  absl::Status s = InTransaction(*db_, [&]() -> absl::Status {
    out = BuildEvidenceLocked(case_id);
    if (!out.ok()) return out.status();
    absl::StatusOr<int64_t> a =
        audit_.Append(Now(), actor, "case.export_evidence",
                      absl::StrCat("case/", case_id),
                      absl::StrCat("sha256=", out->sha256));
    return a.status();
  });
  if (!s.ok()) return s;
  return out;
}

absl::StatusOr<std::string> CaseStore::EvidenceSha256(int64_t case_id) {
  absl::MutexLock lock(&mu_);
  absl::StatusOr<Export> out = BuildEvidenceLocked(case_id);
  if (!out.ok()) return out.status();
  return out->sha256;
}

}  // namespace riskflow::cases
