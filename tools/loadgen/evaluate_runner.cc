#include "tools/loadgen/evaluate_runner.h"

#include <algorithm>
#include <chrono>

#include "absl/strings/str_cat.h"
#include "grpcpp/grpcpp.h"
#include "proto/riskflow/v1/ingest.grpc.pb.h"

namespace riskflow::loadgen {

absl::StatusOr<EvaluateResult> RunEvaluates(
    const std::string& target, const std::vector<riskflow::v1::Event>& events) {
  auto stub = riskflow::v1::Ingest::NewStub(
      grpc::CreateChannel(target, grpc::InsecureChannelCredentials()));
  std::vector<double> latencies;
  latencies.reserve(events.size());
  for (const riskflow::v1::Event& e : events) {
    grpc::ClientContext ctx;
    ctx.set_deadline(std::chrono::system_clock::now() +
                     std::chrono::seconds(5));
    riskflow::v1::EvaluateRequest request;
    *request.mutable_event() = e;
    riskflow::v1::EvaluateResponse response;
    const auto start = std::chrono::steady_clock::now();
    grpc::Status s = stub->Evaluate(&ctx, request, &response);
    latencies.push_back(std::chrono::duration<double, std::micro>(
                            std::chrono::steady_clock::now() - start)
                            .count());
    if (!s.ok()) {
      return absl::UnavailableError(
          absl::StrCat("Evaluate failed: ", s.error_message()));
    }
  }
  EvaluateResult r;
  r.calls = latencies.size();
  if (latencies.empty()) return r;
  std::sort(latencies.begin(), latencies.end());
  r.p50_us = latencies[latencies.size() / 2];
  r.p99_us = latencies[static_cast<size_t>(0.99 * (latencies.size() - 1))];
  r.max_us = latencies.back();
  return r;
}

}  // namespace riskflow::loadgen
