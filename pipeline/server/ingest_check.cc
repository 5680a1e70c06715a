#include "pipeline/server/ingest_check.h"

#include "absl/strings/str_cat.h"
#include "absl/time/clock.h"
#include "pipeline/log/card_numbers.h"
#include "pipeline/log/event_validator.h"
#include "pipeline/log/utf8.h"

namespace riskflow::server {

absl::Status CheckEvent(ServiceContext* ctx, riskflow::v1::Event* event) {
  const int64_t now = ctx->now_ms ? ctx->now_ms() : absl::ToUnixMillis(absl::Now());
  return log::CheckIngestEvent(event, ctx->ingest_limits, now);
}

std::string EchoableId(const ServiceContext& ctx, const std::string& event_id) {
  if (event_id.size() > ctx.ingest_limits.max_id_bytes ||
      log::FindInvalidUtf8(event_id) != std::string::npos) {
    return "";
  }
  return log::MaskCardNumbers(event_id);
}

std::string ConflictMessage(log::Conflict conflict,
                            uint64_t original_sequence) {
  if (conflict == log::Conflict::kInBatch) {
    return absl::StrCat(
        "event_id: repeated in this batch with different content; the first "
        "copy was logged as sequence ",
        original_sequence, ", this one was not logged");
  }
  return absl::StrCat(
      "event_id: logged before as sequence ", original_sequence,
      " with different content; a resend must repeat the original event "
      "exactly (a new event needs a new event_id), this one was not logged");
}

}  // namespace riskflow::server
