// The authorization policy: which authenticated identity holds which roles.
// Read from YAML by policy_yaml.h; the format and the role of every RPC are
// in docs/security.md.
#ifndef RISKFLOW_PIPELINE_SERVER_AUTH_POLICY_H_
#define RISKFLOW_PIPELINE_SERVER_AUTH_POLICY_H_

#include <string>
#include <vector>

#include "absl/container/flat_hash_map.h"
#include "absl/container/flat_hash_set.h"
#include "absl/strings/string_view.h"
#include "proto/riskflow/v1/decision.pb.h"

namespace riskflow::server::auth {

// What one identity may do. An identity may hold several roles.
struct Grants {
  // ingest: the channel_ids it may publish (and evaluate).
  absl::flat_hash_set<std::string> channels;
  // consumer: per sink, the consumer names it owns (reads with, and moves
  // the cursor of).
  absl::flat_hash_map<riskflow::v1::Route, absl::flat_hash_set<std::string>>
      consumers;
  bool admin = false;
  bool reader = false;

  // "ingest, consumer" or "no role": for error messages.
  std::string RoleNames() const;
};

struct Policy {
  // Keyed by the identity a client certificate proves (see caller.h).
  absl::flat_hash_map<std::string, Grants> identities;

  // Null when the policy does not name `identity`.
  const Grants* Find(absl::string_view identity) const;
};

}  // namespace riskflow::server::auth

#endif  // RISKFLOW_PIPELINE_SERVER_AUTH_POLICY_H_
