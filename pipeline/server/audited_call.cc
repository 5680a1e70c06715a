#include "pipeline/server/audited_call.h"

#include <atomic>

#include "absl/strings/str_cat.h"
#include "absl/time/clock.h"
#include "pipeline/cases/json_text.h"
#include "pipeline/common/logger.h"
#include "pipeline/server/authorize.h"

namespace riskflow::server {
namespace {

bool ValidRequestId(absl::string_view id) {
  if (id.empty() || id.size() > 128) return false;
  for (char c : id) {
    if (c < 0x21 || c > 0x7e) return false;
  }
  return true;
}

// Unique within this process and ordered; the time part tells restarts
// apart.
std::string NewRequestId() {
  static std::atomic<uint64_t> counter{0};
  return absl::StrCat("rfd-", absl::ToUnixMillis(absl::Now()), "-",
                      counter.fetch_add(1) + 1);
}

// A refused call may carry anything; the log keeps a bounded prefix (and
// says how long the value was) so refusals cannot bloat it.
constexpr size_t kMaxValueBytes = 512;

std::string Bounded(absl::string_view value) {
  if (value.size() <= kMaxValueBytes) return std::string(value);
  size_t cut = kMaxValueBytes;
  // Never split a UTF-8 sequence (the entry is read back as proto strings).
  while (cut > 0 && (static_cast<unsigned char>(value[cut]) & 0xC0) == 0x80) {
    --cut;
  }
  return absl::StrCat(value.substr(0, cut), "...(",
                      value.size(), " bytes)");
}

std::string RolesOf(const auth::Principal& p) {
  if (p.unrestricted) return "unrestricted";
  if (p.grants == nullptr) return "no role";
  return p.grants->RoleNames();
}

}  // namespace

AuditedCall::AuditedCall(ServiceContext* ctx, grpc::ServerContext* context,
                         std::string action, std::string target)
    : ctx_(ctx), context_(context) {
  record_.action = std::move(action);
  record_.target = Bounded(target);
  const auth::Principal caller = CallerOf(ctx, *context);
  record_.identity = caller.identity;
  record_.authenticated = caller.authenticated;
  record_.roles = RolesOf(caller);
  const auto& metadata = context->client_metadata();
  auto it = metadata.find(kRequestIdMetadata);
  if (it != metadata.end()) {
    const absl::string_view id(it->second.data(), it->second.size());
    if (ValidRequestId(id)) {
      record_.request_id = std::string(id);
      client_request_id_ = true;
    }
  }
  if (record_.request_id.empty()) record_.request_id = NewRequestId();
}

void AuditedCall::UseRequestId(const std::string& id) {
  if (!client_request_id_ && ValidRequestId(id)) record_.request_id = id;
}

void AuditedCall::Detail(absl::string_view key, absl::string_view json_value) {
  record_.details.emplace_back(std::string(key), std::string(json_value));
}

void AuditedCall::DetailString(absl::string_view key, absl::string_view value) {
  Detail(key, cases::JsonString(Bounded(value)));
}

void AuditedCall::DetailInt(absl::string_view key, int64_t value) {
  Detail(key, absl::StrCat(value));
}

void AuditedCall::DetailBool(absl::string_view key, bool value) {
  Detail(key, value ? "true" : "false");
}

grpc::Status AuditedCall::Finish(grpc::Status status) {
  context_->AddTrailingMetadata(kRequestIdMetadata, record_.request_id);
  if (ctx_->admin_audit == nullptr) return status;  // transport-only mode
  record_.outcome =
      status.ok() ? absl::OkStatus()
                  : absl::Status(static_cast<absl::StatusCode>(
                                     status.error_code()),
                                 status.error_message());
  absl::StatusOr<int64_t> seq = ctx_->admin_audit->Append(record_);
  if (seq.ok()) return status;
  logging::Log(logging::Level::kError, {"audit"},
               absl::StrCat(record_.action, " ", record_.target,
                            " (request ", record_.request_id,
                            ") was not audited: ", seq.status().message()));
  if (!status.ok()) return status;
  return grpc::Status(
      grpc::StatusCode::INTERNAL,
      absl::StrCat(record_.action, " took effect, but its audit entry could "
                                   "not be written (request ",
                   record_.request_id, "): ", seq.status().message()));
}

}  // namespace riskflow::server
