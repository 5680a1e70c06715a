// One mutating Admin RPC as the audit log sees it: created when the call
// starts (who, what, which request id), given the action's parameters and
// result, and finished with the status the caller is about to get — which
// appends the entry. Refused calls (no role, bad input) are recorded like
// the others. The answer is OK only once the entry is durable: when the
// append fails after the action took effect, the caller gets INTERNAL
// saying so (docs/audit-log.md).
#ifndef RISKFLOW_PIPELINE_SERVER_AUDITED_CALL_H_
#define RISKFLOW_PIPELINE_SERVER_AUDITED_CALL_H_

#include <cstdint>
#include <string>

#include "absl/strings/string_view.h"
#include "grpcpp/server_context.h"
#include "grpcpp/support/status.h"
#include "pipeline/server/admin_audit.h"
#include "pipeline/server/services.h"

namespace riskflow::server {

// The metadata key a client may set to name its request (1-128 printable
// ASCII bytes); riskflowd makes one up otherwise and returns it in the
// trailing metadata under the same key.
inline constexpr char kRequestIdMetadata[] = "x-request-id";

class AuditedCall {
 public:
  AuditedCall(ServiceContext* ctx, grpc::ServerContext* context,
              std::string action, std::string target);

  // A request id from the request itself (a hold's request_id), used when
  // the client sent none in the metadata.
  void UseRequestId(const std::string& id);
  void Detail(absl::string_view key, absl::string_view json_value);
  void DetailString(absl::string_view key, absl::string_view value);
  void DetailInt(absl::string_view key, int64_t value);
  void DetailBool(absl::string_view key, bool value);

  // Appends the entry; returns `status`, or INTERNAL when it was OK and the
  // entry could not be written.
  grpc::Status Finish(grpc::Status status);

 private:
  ServiceContext* ctx_;
  grpc::ServerContext* context_;
  AdminAuditRecord record_;
  bool client_request_id_ = false;
};

}  // namespace riskflow::server

#endif  // RISKFLOW_PIPELINE_SERVER_AUDITED_CALL_H_
