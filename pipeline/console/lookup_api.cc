#include "pipeline/console/lookup_api.h"

#include <string>

#include "absl/strings/str_cat.h"
#include "pipeline/console/case_json.h"
#include "pipeline/console/http_auth.h"
#include "pipeline/report/json_writer.h"

namespace riskflow::console {
namespace {

constexpr size_t kMaxParamBytes = 256;

absl::StatusOr<std::string> Param(const httplib::Request& req,
                                  const char* name) {
  std::string v = req.get_param_value(name);
  if (v.empty() || v.size() > kMaxParamBytes) {
    return absl::InvalidArgumentError(absl::StrCat(
        "query parameter '", name, "' must be 1-", kMaxParamBytes, " bytes"));
  }
  return v;
}

const char* StatusName(riskflow::v1::LookupDecisionResponse::Status s) {
  switch (s) {
    case riskflow::v1::LookupDecisionResponse::UNKNOWN_EVENT:
      return "UNKNOWN_EVENT";
    case riskflow::v1::LookupDecisionResponse::PENDING:
      return "PENDING";
    case riskflow::v1::LookupDecisionResponse::DECIDED:
      return "DECIDED";
    default:
      return "UNSPECIFIED";
  }
}

}  // namespace

void InstallLookupApi(httplib::Server* server, Authenticator* auth,
                      RiskflowdClient* client) {
  auto unavailable = [](httplib::Response* res) {
    SendError(absl::UnavailableError(
                  "this case service has no riskflowd to ask (--target)"),
              res);
  };
  server->Get("/api/lookup", [auth, client, unavailable](
                                 const httplib::Request& req,
                                 httplib::Response& res) {
    absl::StatusOr<Session> s = RequireSession(req, auth, Role::kReviewer);
    if (!s.ok()) return SendError(s.status(), &res);
    if (client == nullptr) return unavailable(&res);
    absl::StatusOr<std::string> channel = Param(req, "channel");
    if (!channel.ok()) return SendError(channel.status(), &res);
    absl::StatusOr<std::string> event = Param(req, "event");
    if (!event.ok()) return SendError(event.status(), &res);
    auto found = client->LookupDecision(*channel, *event);
    if (!found.ok()) return SendError(found.status(), &res);
    report::JsonWriter w;
    w.BeginObject()
        .Key("status").String(StatusName(found->status()))
        .Key("sequence").Int(static_cast<int64_t>(found->sequence()))
        .Key("decision");
    if (found->has_decision()) {
      WriteDecision(found->decision(), &w);
    } else {
      w.Null();
    }
    w.EndObject();
    SendJson(w.Finish(), &res);
  });

  server->Get("/api/account", [auth, client, unavailable](
                                  const httplib::Request& req,
                                  httplib::Response& res) {
    absl::StatusOr<Session> s = RequireSession(req, auth, Role::kReviewer);
    if (!s.ok()) return SendError(s.status(), &res);
    if (client == nullptr) return unavailable(&res);
    absl::StatusOr<std::string> id = Param(req, "id");
    if (!id.ok()) return SendError(id.status(), &res);
    auto status = client->GetAccountStatus(*id);
    if (!status.ok()) return SendError(status.status(), &res);
    report::JsonWriter w;
    w.BeginObject()
        .Key("account_id").String(status->account_id())
        .Key("held").Bool(status->held())
        .Key("hold_decision_id").String(status->hold_decision_id())
        .Key("hold_sequence").Int(static_cast<int64_t>(status->hold_sequence()))
        .Key("held_since_ms").Int(status->held_since_ms())
        .Key("hold_reason").String(status->hold_reason())
        .EndObject();
    SendJson(w.Finish(), &res);
  });
}

}  // namespace riskflow::console
