// Which RPC needs which role, and the checks the services call. The table
// is documented in docs/security.md; the services only resolve the caller
// (caller.h) and ask here.
#ifndef RISKFLOW_PIPELINE_SERVER_AUTH_AUTHORIZER_H_
#define RISKFLOW_PIPELINE_SERVER_AUTH_AUTHORIZER_H_

#include <optional>
#include <string>

#include "absl/status/status.h"
#include "absl/strings/string_view.h"
#include "pipeline/server/auth/policy.h"
#include "proto/riskflow/v1/decision.pb.h"

namespace riskflow::server::auth {

enum class Rpc {
  kPublish,
  kEvaluate,
  kSubscribe,
  kCommitCursor,
  kGetHealth,
  kGetPipeline,
  kListPlugins,
  kGetListEntries,
  kGetShadowReport,
  kReloadPipeline,
  kPutListEntry,
  kDeleteListEntry,
  // Admin's quarantine-clear action (issue 8, item 6).
  kClearQuarantine,
  // Account holds and look-ups (issue 10, docs/account-holds.md).
  kPlaceHold,
  kReleaseHold,
  kLookupDecision,
  kGetAccountStatus,
  // Recent events of an account and the Admin audit log (issue 10).
  kGetAccountEvents,
  kListAuditEntries,
};

// "Admin.ReloadPipeline".
const char* RpcName(Rpc rpc);

// The roles that may call `rpc`, as a phrase for messages and docs:
// "admin", "reader or admin", "ingest", "consumer (owner) or admin".
const char* RequiredRoles(Rpc rpc);

// Who is calling, resolved once per call (once per Publish stream).
struct Principal {
  // The client certificate's identity; "local" without client
  // certificates.
  std::string identity;
  // A verified client certificate proved `identity`.
  bool authenticated = false;
  // No policy is enforced: every call is allowed (dev mode on loopback, or
  // TLS without --auth_policy).
  bool unrestricted = true;
  // What the policy grants `identity`; null when it does not name it (then
  // every call is refused). Owned by the Authorizer.
  const Grants* grants = nullptr;
};

class Authorizer {
 public:
  // Enforces nothing: every caller may call everything.
  Authorizer() = default;
  // Enforces `policy`.
  explicit Authorizer(Policy policy) : policy_(std::move(policy)) {}

  bool enforcing() const { return policy_.has_value(); }

  Principal Resolve(std::string identity, bool authenticated) const;

  // The role check every RPC makes first. For Publish and Evaluate it asks
  // for the ingest role only; the channel is checked per event. For the
  // sinks it asks for some consumer of any sink (or admin, for Subscribe);
  // the sink and consumer name are checked by CheckConsumer.
  absl::Status Check(const Principal& caller, Rpc rpc) const;

  // May `caller` publish (or evaluate) an event of `channel_id`?
  absl::Status CheckChannel(const Principal& caller,
                            absl::string_view channel_id) const;

  // Subscribe: `consumer` (may be empty: a read without a cursor) must be
  // one the caller owns on `sink`, or the caller is admin. CommitCursor:
  // only the owner of `consumer` on `sink`, never anyone else.
  absl::Status CheckConsumer(const Principal& caller, Rpc rpc,
                             riskflow::v1::Route sink,
                             absl::string_view consumer) const;

 private:
  std::optional<Policy> policy_;
};

}  // namespace riskflow::server::auth

#endif  // RISKFLOW_PIPELINE_SERVER_AUTH_AUTHORIZER_H_
