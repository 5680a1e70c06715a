#include "pipeline/console/case_api.h"

#include <algorithm>
#include <string>
#include <vector>

#include "absl/strings/ascii.h"
#include "absl/strings/numbers.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_split.h"
#include "pipeline/console/case_json.h"
#include "pipeline/console/http_auth.h"
#include "pipeline/console/json_body.h"

namespace riskflow::console {
namespace {

using cases::Case;
using cases::CaseStore;

constexpr size_t kMaxListLimit = 1000;
constexpr size_t kMaxAuditPage = 5000;
constexpr size_t kMaxSearchBytes = 256;

absl::StatusOr<int64_t> CaseIdFrom(const httplib::Request& req) {
  int64_t id = 0;
  if (req.matches.size() < 2 || !absl::SimpleAtoi(req.matches[1].str(), &id) ||
      id <= 0) {
    return absl::InvalidArgumentError("case id must be a positive integer");
  }
  return id;
}

// The action a POST describes: who (from the session, never the body),
// which version they read, their note and attachment references.
absl::StatusOr<cases::Action> ActionFrom(const httplib::Request& req,
                                         const Session& session,
                                         int64_t case_id, JsonBody* body) {
  absl::StatusOr<JsonBody> parsed = JsonBody::Parse(req.body);
  if (!parsed.ok()) return parsed.status();
  *body = *std::move(parsed);
  absl::StatusOr<int64_t> version = body->Int("version");
  if (!version.ok()) return version.status();
  cases::Action a;
  a.case_id = case_id;
  a.expected_version = *version;
  a.actor = session.user;
  a.role = RoleName(session.role);
  a.note = body->OptionalString("note").value_or("");
  for (absl::string_view ref :
       absl::StrSplit(body->OptionalString("attachments").value_or(""), '\n',
                      absl::SkipWhitespace())) {
    a.attachments.emplace_back(absl::StripAsciiWhitespace(ref));
  }
  return a;
}

void SendCase(const absl::StatusOr<Case>& c, httplib::Response* res) {
  if (!c.ok()) return SendError(c.status(), res);
  report::JsonWriter w;
  w.BeginObject().Key("case");
  WriteCase(*c, &w);
  w.EndObject();
  SendJson(w.Finish(), res);
}

// A page of a case's decisions: ?decisions_offset=N&decisions_limit=M.
// A case may hold thousands; the page renders one page of full decisions
// (and the chart every decision's time and route).
constexpr size_t kDefaultDecisionPage = 100;
constexpr size_t kMaxDecisionPage = 1000;

struct DecisionPage {
  size_t offset = 0;
  size_t limit = kDefaultDecisionPage;
};

absl::StatusOr<DecisionPage> DecisionPageFrom(const httplib::Request& req) {
  DecisionPage page;
  if (req.has_param("decisions_offset") &&
      !absl::SimpleAtoi(req.get_param_value("decisions_offset"),
                        &page.offset)) {
    return absl::InvalidArgumentError(
        "decisions_offset must be a non-negative integer");
  }
  if (req.has_param("decisions_limit") &&
      (!absl::SimpleAtoi(req.get_param_value("decisions_limit"),
                         &page.limit) ||
       page.limit == 0 || page.limit > kMaxDecisionPage)) {
    return absl::InvalidArgumentError(
        absl::StrCat("decisions_limit must be 1-", kMaxDecisionPage));
  }
  return page;
}

void CaseDetail(CaseStore* store, int64_t id, const DecisionPage& page,
                httplib::Response* res) {
  absl::StatusOr<Case> c = store->Get(id);
  if (!c.ok()) return SendError(c.status(), res);
  auto history = store->History(id);
  if (!history.ok()) return SendError(history.status(), res);
  auto decisions = store->Decisions(id);
  if (!decisions.ok()) return SendError(decisions.status(), res);
  absl::StatusOr<std::string> sha = store->EvidenceSha256(id);
  if (!sha.ok()) return SendError(sha.status(), res);
  auto recent = store->RecentEvents(id);
  if (!recent.ok()) return SendError(recent.status(), res);
  report::JsonWriter w;
  w.BeginObject().Key("case");
  WriteCase(*c, &w);
  w.Key("next_states").BeginArray();
  for (cases::CaseState s : cases::NextStates(c->state)) {
    w.String(cases::StateName(s));
  }
  w.EndArray().Key("two_person");
  if (std::optional<std::string> why = store->TwoPersonReason(*c)) {
    w.String(*why);
  } else {
    w.Null();
  }
  w.Key("evidence_sha256").String(*sha).Key("history").BeginArray();
  for (const cases::CaseAction& a : *history) WriteCaseAction(a, &w);
  // The account's recent events from riskflowd's log, as frozen into the
  // evidence (docs/cases.md, "Recent events").
  w.EndArray().Key("recent_events").BeginArray();
  for (const cases::CaseStore::RecentEventsSnapshot& snap : *recent) {
    w.BeginObject()
        .Key("taken_ms").Int(snap.taken_ms)
        .Key("trigger").String(snap.trigger)
        .Key("fetched").Bool(snap.ok)
        .Key("error").String(snap.error)
        .Key("complete").Bool(snap.response.complete())
        .Key("events").BeginArray();
    for (const riskflow::v1::AccountEvent& e : snap.response.events()) {
      w.BeginObject()
          .Key("sequence").Int(static_cast<int64_t>(e.sequence()))
          .Key("event_id").String(e.event().event_id())
          .Key("type").String(riskflow::v1::EventType_Name(e.event().type()))
          .Key("event_time_ms").Int(e.event().event_time_ms())
          .Key("amount_minor").Int(e.event().amount_minor())
          .Key("currency").String(e.event().currency())
          .Key("counterparty").String(e.event().counterparty())
          .Key("route").String(e.decided() ? riskflow::v1::Route_Name(
                                                 e.decision().route())
                                           : std::string("UNDECIDED"))
          .EndObject();
    }
    w.EndArray().EndObject();
  }
  w.EndArray()
      .Key("decisions_total").Int(static_cast<int64_t>(decisions->size()))
      .Key("decisions_offset").Int(static_cast<int64_t>(page.offset))
      .Key("decisions_limit").Int(static_cast<int64_t>(page.limit))
      .Key("activity").BeginArray();
  for (const cases::AttachedDecision& d : *decisions) {
    w.BeginObject()
        .Key("event_time_ms").Int(d.decision.event_time_ms())
        .Key("route").String(riskflow::v1::Route_Name(d.decision.route()))
        .EndObject();
  }
  w.EndArray().Key("decisions").BeginArray();
  const size_t end = std::min(decisions->size(), page.offset + page.limit);
  for (size_t i = std::min(page.offset, end); i < end; ++i) {
    const cases::AttachedDecision& d = (*decisions)[i];
    w.BeginObject()
        .Key("sink").String(d.sink)
        .Key("received_ms").Int(d.received_ms)
        .Key("decision");
    WriteDecision(d.decision, &w);
    w.EndObject();
  }
  w.EndArray().EndObject();
  SendJson(w.Finish(), res);
}

absl::StatusOr<cases::CaseFilter> FilterFrom(const httplib::Request& req) {
  cases::CaseFilter f;
  if (req.has_param("state") && !req.get_param_value("state").empty()) {
    absl::StatusOr<cases::CaseState> s =
        cases::ParseState(req.get_param_value("state"));
    if (!s.ok()) return s.status();
    f.state = *s;
  }
  f.account_id = req.get_param_value("account");
  f.open_only = req.get_param_value("open") == "1";
  f.overdue_only = req.get_param_value("overdue") == "1";
  if (req.has_param("limit")) {
    size_t limit = 0;
    if (!absl::SimpleAtoi(req.get_param_value("limit"), &limit) ||
        limit == 0 || limit > kMaxListLimit) {
      return absl::InvalidArgumentError(
          absl::StrCat("limit must be 1-", kMaxListLimit));
    }
    f.limit = limit;
  }
  return f;
}

// One POST route that turns its body into an Action and calls `apply`.
template <typename Apply>
void PostAction(httplib::Server* server, Authenticator* auth,
                const std::string& verb, Apply apply) {
  server->Post(
      absl::StrCat(R"(/api/cases/(\d+)/)", verb),
      [auth, apply](const httplib::Request& req, httplib::Response& res) {
        absl::StatusOr<Session> s = RequireSession(req, auth, Role::kReviewer);
        if (!s.ok()) return SendError(s.status(), &res);
        absl::StatusOr<int64_t> id = CaseIdFrom(req);
        if (!id.ok()) return SendError(id.status(), &res);
        JsonBody body;
        absl::StatusOr<cases::Action> action = ActionFrom(req, *s, *id, &body);
        if (!action.ok()) return SendError(action.status(), &res);
        SendCase(apply(*action, body), &res);
      });
}

}  // namespace

void InstallCaseApi(httplib::Server* server, Authenticator* auth,
                    CaseStore* store) {
  server->Get("/api/meta", [auth](const httplib::Request& req,
                                  httplib::Response& res) {
    absl::StatusOr<Session> s = RequireSession(req, auth, Role::kReviewer);
    if (!s.ok()) return SendError(s.status(), &res);
    report::JsonWriter w;
    w.BeginObject().Key("states").BeginArray();
    for (cases::CaseState st : cases::kAllStates) {
      w.String(cases::StateName(st));
    }
    w.EndArray().EndObject();
    SendJson(w.Finish(), &res);
  });

  server->Get("/api/cases", [auth, store](const httplib::Request& req,
                                          httplib::Response& res) {
    absl::StatusOr<Session> s = RequireSession(req, auth, Role::kReviewer);
    if (!s.ok()) return SendError(s.status(), &res);
    absl::StatusOr<cases::CaseFilter> filter = FilterFrom(req);
    if (!filter.ok()) return SendError(filter.status(), &res);
    absl::StatusOr<std::vector<Case>> list = store->List(*filter);
    if (!list.ok()) return SendError(list.status(), &res);
    report::JsonWriter w;
    w.BeginObject().Key("cases").BeginArray();
    for (const Case& c : *list) WriteCase(c, &w);
    w.EndArray().EndObject();
    SendJson(w.Finish(), &res);
  });

  server->Get(R"(/api/cases/(\d+))", [auth, store](const httplib::Request& req,
                                                   httplib::Response& res) {
    absl::StatusOr<Session> s = RequireSession(req, auth, Role::kReviewer);
    if (!s.ok()) return SendError(s.status(), &res);
    absl::StatusOr<int64_t> id = CaseIdFrom(req);
    if (!id.ok()) return SendError(id.status(), &res);
    absl::StatusOr<DecisionPage> page = DecisionPageFrom(req);
    if (!page.ok()) return SendError(page.status(), &res);
    CaseDetail(store, *id, *page, &res);
  });

  server->Get(R"(/api/cases/(\d+)/evidence)", [auth, store](
                                                   const httplib::Request& req,
                                                   httplib::Response& res) {
    absl::StatusOr<Session> s = RequireSession(req, auth, Role::kReviewer);
    if (!s.ok()) return SendError(s.status(), &res);
    absl::StatusOr<int64_t> id = CaseIdFrom(req);
    if (!id.ok()) return SendError(id.status(), &res);
    // Logged in the audit chain as an export by this reviewer.
    absl::StatusOr<CaseStore::Export> e = store->ExportEvidence(*id, s->user);
    if (!e.ok()) return SendError(e.status(), &res);
    res.set_header("Content-Disposition",
                   absl::StrCat("attachment; filename=\"case-", *id,
                                "-evidence.json\""));
    res.set_header("X-Evidence-SHA256", e->sha256);
    SendJson(e->json, &res);
  });

  PostAction(server, auth, "transition",
             [store](const cases::Action& a, const JsonBody& body)
                 -> absl::StatusOr<Case> {
               absl::StatusOr<std::string> to = body.String("to");
               if (!to.ok()) return to.status();
               absl::StatusOr<cases::CaseState> state = cases::ParseState(*to);
               if (!state.ok()) return state.status();
               return store->Transition(a, *state);
             });
  PostAction(server, auth, "note",
             [store](const cases::Action& a, const JsonBody&) {
               return store->AddNote(a);
             });
  PostAction(server, auth, "request-release",
             [store](const cases::Action& a, const JsonBody&) {
               return store->RequestRelease(a);
             });
  PostAction(server, auth, "approve-release",
             [store](const cases::Action& a, const JsonBody&) {
               return store->ApproveRelease(a);
             });

  // A case id, an event id ("<channel>/<event>" or bare) or an account.
  server->Get("/api/search", [auth, store](const httplib::Request& req,
                                           httplib::Response& res) {
    absl::StatusOr<Session> s = RequireSession(req, auth, Role::kReviewer);
    if (!s.ok()) return SendError(s.status(), &res);
    const std::string q = req.get_param_value("q");
    if (q.empty() || q.size() > kMaxSearchBytes) {
      return SendError(absl::InvalidArgumentError(absl::StrCat(
                           "q must be 1-", kMaxSearchBytes, " bytes")),
                       &res);
    }
    int64_t id = 0;
    absl::StatusOr<Case> found = absl::NotFoundError("");
    if (absl::SimpleAtoi(q, &id) && id > 0) found = store->Get(id);
    if (!found.ok()) found = store->FindByEvent(q);
    report::JsonWriter w;
    w.BeginObject();
    if (found.ok()) {
      w.Key("case_id").Int(found->id);
    } else if (found.status().code() != absl::StatusCode::kNotFound) {
      return SendError(found.status(), &res);
    } else {
      w.Key("account_id").String(q);
    }
    w.EndObject();
    SendJson(w.Finish(), &res);
  });

  // The newest entries of the audit chain and whether the chain verifies.
  server->Get("/api/audit", [auth, store](const httplib::Request& req,
                                          httplib::Response& res) {
    absl::StatusOr<Session> s = RequireSession(req, auth, Role::kReviewer);
    if (!s.ok()) return SendError(s.status(), &res);
    size_t limit = 200;
    if (req.has_param("limit") &&
        (!absl::SimpleAtoi(req.get_param_value("limit"), &limit) ||
         limit == 0 || limit > kMaxAuditPage)) {
      return SendError(absl::InvalidArgumentError(absl::StrCat(
                           "limit must be 1-", kMaxAuditPage)),
                       &res);
    }
    auto entries = store->audit().Read(0);
    if (!entries.ok()) return SendError(entries.status(), &res);
    absl::StatusOr<cases::AuditVerifyResult> verify = store->VerifyAudit();
    if (!verify.ok()) return SendError(verify.status(), &res);
    report::JsonWriter w;
    w.BeginObject().Key("verify").String(
        verify->ok ? absl::StrCat("chain verified: ", verify->entries,
                                  " entries")
                   : absl::StrCat("CHAIN BROKEN at entry ",
                                  verify->first_bad_seq, ": ",
                                  verify->problem));
    w.Key("entries").BeginArray();
    const size_t from = entries->size() > limit ? entries->size() - limit : 0;
    for (size_t i = entries->size(); i-- > from;) {
      WriteAuditEntry((*entries)[i], &w);
    }
    w.EndArray().EndObject();
    SendJson(w.Finish(), &res);
  });
}

}  // namespace riskflow::console
