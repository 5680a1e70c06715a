#include "pipeline/server/auth/authorizer.h"

#include <algorithm>
#include <vector>

#include "absl/strings/str_cat.h"
#include "absl/strings/str_join.h"

namespace riskflow::server::auth {
namespace {

absl::Status Denied(const Principal& caller, Rpc rpc,
                    absl::string_view detail) {
  return absl::PermissionDeniedError(absl::StrCat(
      "identity '", caller.identity, "' may not call ", RpcName(rpc), ": ",
      detail));
}

// "it has: ingest" / "the policy does not name it".
std::string Holds(const Principal& caller) {
  if (caller.grants == nullptr) return "the policy does not name it";
  return absl::StrCat("it has: ", caller.grants->RoleNames());
}

std::string Sorted(const absl::flat_hash_set<std::string>& set) {
  std::vector<std::string> v(set.begin(), set.end());
  std::sort(v.begin(), v.end());
  return absl::StrJoin(v, ", ");
}

}  // namespace

const char* RpcName(Rpc rpc) {
  switch (rpc) {
    case Rpc::kPublish:
      return "Ingest.Publish";
    case Rpc::kEvaluate:
      return "Ingest.Evaluate";
    case Rpc::kSubscribe:
      return "Sinks.Subscribe";
    case Rpc::kCommitCursor:
      return "Sinks.CommitCursor";
    case Rpc::kGetHealth:
      return "Admin.GetHealth";
    case Rpc::kGetPipeline:
      return "Admin.GetPipeline";
    case Rpc::kListPlugins:
      return "Admin.ListPlugins";
    case Rpc::kGetListEntries:
      return "Admin.GetListEntries";
    case Rpc::kGetShadowReport:
      return "Admin.GetShadowReport";
    case Rpc::kReloadPipeline:
      return "Admin.ReloadPipeline";
    case Rpc::kPutListEntry:
      return "Admin.PutListEntry";
    case Rpc::kDeleteListEntry:
      return "Admin.DeleteListEntry";
    case Rpc::kClearQuarantine:
      return "Admin.ClearQuarantine";
    case Rpc::kPlaceHold:
      return "Admin.PlaceHold";
    case Rpc::kReleaseHold:
      return "Admin.ReleaseHold";
    case Rpc::kLookupDecision:
      return "Admin.LookupDecision";
    case Rpc::kGetAccountStatus:
      return "Admin.GetAccountStatus";
    case Rpc::kGetAccountEvents:
      return "Admin.GetAccountEvents";
    case Rpc::kListAuditEntries:
      return "Admin.ListAuditEntries";
  }
  return "an unknown RPC";
}

const char* RequiredRoles(Rpc rpc) {
  switch (rpc) {
    case Rpc::kPublish:
    case Rpc::kEvaluate:
      return "ingest";
    case Rpc::kSubscribe:
      return "consumer (owner) or admin";
    case Rpc::kCommitCursor:
      return "consumer (owner)";
    case Rpc::kGetHealth:
    case Rpc::kGetPipeline:
    case Rpc::kListPlugins:
    case Rpc::kGetListEntries:
    case Rpc::kLookupDecision:
    case Rpc::kGetAccountStatus:
    case Rpc::kGetAccountEvents:
      return "reader or admin";
    // The shadow report carries decisions (accounts, amounts): like a
    // sink, not like a status page.
    case Rpc::kGetShadowReport:
    case Rpc::kReloadPipeline:
    case Rpc::kPutListEntry:
    case Rpc::kDeleteListEntry:
    case Rpc::kClearQuarantine:
    case Rpc::kPlaceHold:
    case Rpc::kReleaseHold:
    case Rpc::kListAuditEntries:
      return "admin";
  }
  return "admin";
}

Principal Authorizer::Resolve(std::string identity, bool authenticated) const {
  Principal p;
  p.identity = std::move(identity);
  p.authenticated = authenticated;
  p.unrestricted = !policy_.has_value();
  if (policy_.has_value() && authenticated) p.grants = policy_->Find(p.identity);
  return p;
}

absl::Status Authorizer::Check(const Principal& caller, Rpc rpc) const {
  if (caller.unrestricted) return absl::OkStatus();
  const Grants* g = caller.grants;
  bool ok = false;
  if (g != nullptr) {
    switch (rpc) {
      case Rpc::kPublish:
      case Rpc::kEvaluate:
        ok = !g->channels.empty();
        break;
      case Rpc::kSubscribe:
        ok = !g->consumers.empty() || g->admin;
        break;
      case Rpc::kCommitCursor:
        ok = !g->consumers.empty();
        break;
      case Rpc::kGetHealth:
      case Rpc::kGetPipeline:
      case Rpc::kListPlugins:
      case Rpc::kGetListEntries:
      case Rpc::kLookupDecision:
      case Rpc::kGetAccountStatus:
      case Rpc::kGetAccountEvents:
        ok = g->reader || g->admin;
        break;
      case Rpc::kGetShadowReport:
      case Rpc::kReloadPipeline:
      case Rpc::kPutListEntry:
      case Rpc::kDeleteListEntry:
      case Rpc::kClearQuarantine:
      case Rpc::kPlaceHold:
      case Rpc::kReleaseHold:
      case Rpc::kListAuditEntries:
        ok = g->admin;
        break;
    }
  }
  if (ok) return absl::OkStatus();
  return Denied(caller, rpc,
                absl::StrCat("it needs the ", RequiredRoles(rpc), " role (",
                             Holds(caller), ")"));
}

absl::Status Authorizer::CheckChannel(const Principal& caller,
                                      absl::string_view channel_id) const {
  if (caller.unrestricted) return absl::OkStatus();
  if (caller.grants != nullptr && caller.grants->channels.contains(channel_id)) {
    return absl::OkStatus();
  }
  return absl::PermissionDeniedError(absl::StrCat(
      "identity '", caller.identity, "' may not publish channel_id '",
      channel_id, "' (",
      caller.grants == nullptr || caller.grants->channels.empty()
          ? "it has no ingest role"
          : absl::StrCat("its channels: ", Sorted(caller.grants->channels)),
      "); the event was not logged"));
}

absl::Status Authorizer::CheckConsumer(const Principal& caller, Rpc rpc,
                                       riskflow::v1::Route sink,
                                       absl::string_view consumer) const {
  if (caller.unrestricted) return absl::OkStatus();
  if (absl::Status s = Check(caller, rpc); !s.ok()) return s;
  const Grants& g = *caller.grants;
  auto owned = g.consumers.find(sink);
  const bool owns_sink = owned != g.consumers.end();
  if (consumer.empty()) {
    // A read without a named cursor (riskflow tail): any consumer of the
    // sink may read it.
    if (rpc == Rpc::kSubscribe && (owns_sink || g.admin)) {
      return absl::OkStatus();
    }
  } else if (owns_sink && owned->second.contains(consumer)) {
    return absl::OkStatus();
  } else if (rpc == Rpc::kSubscribe && g.admin) {
    // Admin may read from anyone's cursor, never move it.
    return absl::OkStatus();
  }
  return Denied(
      caller, rpc,
      absl::StrCat(
          "it needs the consumer role for ",
          consumer.empty() ? absl::StrCat("some consumer of ",
                                          riskflow::v1::Route_Name(sink))
                           : absl::StrCat("consumer '", consumer, "' of ",
                                          riskflow::v1::Route_Name(sink)),
          " (",
          owns_sink ? absl::StrCat("it owns ", riskflow::v1::Route_Name(sink),
                                   ": ", Sorted(owned->second))
                    : absl::StrCat("it owns no consumer of ",
                                   riskflow::v1::Route_Name(sink)),
          ")"));
}

}  // namespace riskflow::server::auth
