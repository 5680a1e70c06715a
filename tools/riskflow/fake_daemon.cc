#include "tools/riskflow/fake_daemon.h"

#include <thread>

#include "absl/strings/match.h"
#include "absl/strings/str_cat.h"
#include "grpcpp/create_channel.h"
#include "grpcpp/security/credentials.h"
#include "grpcpp/security/server_credentials.h"
#include "grpcpp/server_builder.h"

namespace riskflow::cli::testing {

using ::riskflow::v1::Decision;
using ::riskflow::v1::PublishAck;
using ::riskflow::v1::PublishRequest;

grpc::Status FakeIngest::Publish(
    grpc::ServerContext*,
    grpc::ServerReaderWriter<PublishAck, PublishRequest>* stream) {
  PublishRequest request;
  while (stream->Read(&request)) {
    PublishAck ack;
    ack.set_batch_id(request.batch_id());
    {
      absl::MutexLock lock(&mu_);
      if (fail_after_batches_ >= 0 &&
          static_cast<int>(batch_sizes_.size()) >= fail_after_batches_) {
        return grpc::Status(grpc::StatusCode::RESOURCE_EXHAUSTED,
                            "ingest queue is full");
      }
      batch_sizes_.push_back(request.events_size());
      if (request.events_size() > max_batch_) {
        ack.set_batch_error(absl::StrCat("batch has ", request.events_size(),
                                         " events, the limit is ", max_batch_));
      } else {
        for (int i = 0; i < request.events_size(); ++i) {
          const auto& event = request.events(i);
          auto key = std::make_pair(event.channel_id(), event.event_id());
          if (absl::StartsWith(event.event_id(), "bad")) {
            auto* error = ack.add_errors();
            error->set_index(i);
            error->set_event_id(event.event_id());
            error->set_code(riskflow::v1::INVALID_EVENT);
            error->set_message("amount_minor must not be negative");
          } else if (auto it = seen_.find(key); it != seen_.end()) {
            auto* duplicate = ack.add_duplicates();
            duplicate->set_index(i);
            duplicate->set_event_id(event.event_id());
            duplicate->set_original_sequence(it->second);
          } else {
            seen_[key] = next_sequence_;
            if (ack.accepted() == 0) ack.set_first_sequence(next_sequence_);
            ack.set_last_sequence(next_sequence_);
            ack.set_accepted(ack.accepted() + 1);
            ++next_sequence_;
          }
        }
      }
      ack.set_durable_sequence(next_sequence_ - 1);
    }
    if (!stream->Write(ack)) break;
  }
  return grpc::Status::OK;
}

grpc::Status FakeIngest::Evaluate(grpc::ServerContext*,
                                  const riskflow::v1::EvaluateRequest* request,
                                  riskflow::v1::EvaluateResponse* response) {
  const auto& event = request->event();
  if (auto it = event.attributes().find("sleep_ms");
      it != event.attributes().end()) {
    std::this_thread::sleep_for(
        std::chrono::milliseconds(std::stoi(it->second)));
  }
  Decision* decision = response->mutable_decision();
  decision->set_event_id(event.event_id());
  decision->set_channel_id(event.channel_id());
  decision->set_decision_id(
      absl::StrCat(event.channel_id(), "/", event.event_id()));
  decision->set_account_id(event.account_id());
  decision->set_event_time_ms(event.event_time_ms());
  decision->set_pipeline_version("fakehash");
  const bool large = event.amount_minor() >= 10000000;
  decision->set_route(large ? riskflow::v1::MANUAL_REVIEW : riskflow::v1::PASS);
  decision->add_routes(decision->route());
  if (large) {
    auto* annotation = decision->add_annotations();
    annotation->set_detector("large_payout");
    annotation->set_reason_code("LARGE_AMOUNT");
    annotation->set_route(riskflow::v1::MANUAL_REVIEW);
  }
  absl::MutexLock lock(&mu_);
  auto key = std::make_pair(event.channel_id(), event.event_id());
  if (auto it = seen_.find(key); it != seen_.end()) {
    response->set_duplicate(true);
    decision->set_sequence(it->second);
  } else {
    seen_[key] = next_sequence_;
    decision->set_sequence(next_sequence_++);
  }
  return grpc::Status::OK;
}

grpc::Status FakeSinks::Subscribe(grpc::ServerContext*,
                                  const riskflow::v1::SubscribeRequest* request,
                                  grpc::ServerWriter<Decision>* writer) {
  std::vector<Decision> to_send;
  {
    absl::MutexLock lock(&mu_);
    last_request_ = *request;
    if (request->sink() != riskflow::v1::FREEZE &&
        request->sink() != riskflow::v1::NOTIFY &&
        request->sink() != riskflow::v1::MANUAL_REVIEW) {
      return grpc::Status(grpc::StatusCode::INVALID_ARGUMENT, "no such sink");
    }
    uint64_t after = request->after_sequence();
    if (request->from_committed() && !request->consumer().empty()) {
      after = cursors_[{request->sink(), request->consumer()}];
    }
    for (const Decision& d : outboxes_[request->sink()]) {
      if (d.sink_sequence() <= after) continue;
      if (request->max_decisions() != 0 &&
          to_send.size() >= request->max_decisions()) {
        break;
      }
      to_send.push_back(d);
    }
  }
  for (const Decision& d : to_send) {
    if (!writer->Write(d)) break;
  }
  return grpc::Status::OK;
}

grpc::Status FakeSinks::CommitCursor(
    grpc::ServerContext*, const riskflow::v1::CommitCursorRequest* request,
    riskflow::v1::CommitCursorResponse* response) {
  absl::MutexLock lock(&mu_);
  cursors_[{request->sink(), request->consumer()}] = request->sequence();
  response->set_sequence(request->sequence());
  return grpc::Status::OK;
}

void FakeSinks::Add(riskflow::v1::Route sink, Decision decision) {
  absl::MutexLock lock(&mu_);
  auto& outbox = outboxes_[sink];
  decision.set_sink_sequence(outbox.size() + 1);
  outbox.push_back(std::move(decision));
}

void FakeSinks::SetCursor(riskflow::v1::Route sink, const std::string& consumer,
                          uint64_t sequence) {
  absl::MutexLock lock(&mu_);
  cursors_[{sink, consumer}] = sequence;
}

uint64_t FakeSinks::Cursor(riskflow::v1::Route sink,
                           const std::string& consumer) {
  absl::MutexLock lock(&mu_);
  return cursors_[{sink, consumer}];
}

grpc::Status FakeAdmin::GetHealth(grpc::ServerContext*,
                                  const riskflow::v1::GetHealthRequest*,
                                  riskflow::v1::Health* response) {
  *response = health;
  return status;
}

grpc::Status FakeAdmin::GetPipeline(grpc::ServerContext*,
                                    const riskflow::v1::GetPipelineRequest*,
                                    riskflow::v1::PipelineInfo* response) {
  *response = pipeline;
  return status;
}

grpc::Status FakeAdmin::ListPlugins(
    grpc::ServerContext*, const riskflow::v1::ListPluginsRequest*,
    riskflow::v1::ListPluginsResponse* response) {
  *response = plugins;
  return status;
}

FakeDaemon::FakeDaemon() {
  int port = 0;
  grpc::ServerBuilder builder;
  builder.AddListeningPort("127.0.0.1:0", grpc::InsecureServerCredentials(),
                           &port);
  builder.RegisterService(&ingest);
  builder.RegisterService(&sinks);
  builder.RegisterService(&admin);
  server_ = builder.BuildAndStart();
  target_ = absl::StrCat("127.0.0.1:", port);
  channel_ = grpc::CreateChannel(target_, grpc::InsecureChannelCredentials());
}

FakeDaemon::~FakeDaemon() {
  server_->Shutdown(std::chrono::system_clock::now() + std::chrono::seconds(1));
}

}  // namespace riskflow::cli::testing
