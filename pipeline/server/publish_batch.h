#ifndef RISKFLOW_PIPELINE_SERVER_PUBLISH_BATCH_H_
#define RISKFLOW_PIPELINE_SERVER_PUBLISH_BATCH_H_

#include <memory>
#include <string>
#include <vector>

#include "absl/status/status.h"
#include "pipeline/log/event_log.h"
#include "pipeline/server/auth/authorizer.h"
#include "pipeline/server/services.h"
#include "proto/riskflow/v1/ingest.pb.h"

namespace riskflow::server {

// One Publish message between being read and being acknowledged.
struct PublishBatch {
  riskflow::v1::PublishAck ack;  // batch_id, errors, batch_error filled
  // Position in the request of each event handed to the log.
  std::vector<uint32_t> logged_index;
  std::vector<std::string> logged_ids;
  // Null when nothing waits for the log (all rejected, or transport-only).
  std::shared_ptr<log::AppendTicket> ticket;
};

// Validates the request's events, fills per-event errors, and submits the
// valid ones to the log. Fails (nothing acknowledged) only when the log
// refuses the batch, e.g. RESOURCE_EXHAUSTED. An event whose channel_id
// `caller` may not publish gets a PERMISSION_DENIED error and is not
// logged, so nobody can take another channel's event ids (null caller:
// no check).
absl::Status PrepareBatch(ServiceContext* ctx,
                          riskflow::v1::PublishRequest& request,
                          PublishBatch* batch,
                          const auth::Principal* caller = nullptr);

// Completes the ack from the log's outcome (or its failure). A repeated id
// whose content differs from the logged one becomes an error
// (DUPLICATE_IN_BATCH or CONFLICTING_RESEND), not a duplicate.
absl::Status FinishAck(ServiceContext* ctx, PublishBatch* batch);

}  // namespace riskflow::server

#endif  // RISKFLOW_PIPELINE_SERVER_PUBLISH_BATCH_H_
