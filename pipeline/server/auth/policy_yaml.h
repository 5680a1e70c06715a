// Authorization policy YAML -> Policy. The format (docs/security.md):
//
//   identities:
//     ingest-card:                 # a client certificate's identity
//       ingest: [card, card-eu]    # channel_ids it may publish
//     freeze-service:
//       consumer:                  # sink + consumer names it owns
//         - {sink: FREEZE, name: freeze-service}
//     ops:
//       admin: true
//     dashboard:
//       reader: true
//
// Unknown keys, duplicates, wrong types, unknown sinks and identities that
// grant nothing are errors. Every error is InvalidArgument and reads
//   "<field path>: <reason> at line L, column C"
// as the pipeline YAML's do, e.g.
//   "identities.ops.admin: expected true or false, got 'yes please' at
//    line 7, column 12".
#ifndef RISKFLOW_PIPELINE_SERVER_AUTH_POLICY_YAML_H_
#define RISKFLOW_PIPELINE_SERVER_AUTH_POLICY_YAML_H_

#include <string>
#include <string_view>

#include "absl/status/statusor.h"
#include "pipeline/server/auth/policy.h"

namespace riskflow::server::auth {

// Parses one YAML document. Never throws.
absl::StatusOr<Policy> ParsePolicyYaml(std::string_view yaml);

// Reads `path` and parses it; every error message starts with the path.
absl::StatusOr<Policy> LoadPolicyFile(const std::string& path);

}  // namespace riskflow::server::auth

#endif  // RISKFLOW_PIPELINE_SERVER_AUTH_POLICY_YAML_H_
