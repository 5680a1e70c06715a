#include "pipeline/common/logger.h"
#include "pipeline/plugin_host/shard_detectors.h"

#include <chrono>
#include <cstdio>
#include <cstring>
#include <string>

#include "absl/strings/str_cat.h"
#include "pipeline/plugin_host/partition_key.h"
#include "pipeline/plugin_host/plugin_call.h"
#include "pipeline/plugin_host/plugin_output.h"
#include "pipeline/plugin_host/quarantine_store.h"

namespace riskflow::plugin_host {
namespace {

constexpr int64_t kDefaultBudgetUs = 5000;
constexpr uint32_t kDefaultQuarantineAfter = 1000;

rf_str Rf(const std::string& s) { return rf_str{s.data(), s.size()}; }

}  // namespace

ShardDetectors::ShardDetectors(Pipeline* pipeline, state::ShardState* state)
    : pipeline_(pipeline), state_(state) {
  call_.state = state;
}

ShardDetectors::~ShardDetectors() {
  FlushTimings();
  for (Instance& i : instances_) i.slot->plugin->descriptor().destroy(i.handle);
}

void ShardDetectors::FlushTimings() {
  for (Instance& i : instances_) i.latency.AddTo(&i.slot->latency_us);
}

absl::Status ShardDetectors::Create(DetectorSlot* slot) {
  const rf_plugin_descriptor& d = slot->plugin->descriptor();
  InitContext init;
  init.slot = slot;
  char error[512] = {0};
  void* handle = nullptr;
  rf_status s = d.create(HostApi(), reinterpret_cast<rf_init_ctx*>(&init),
                         slot->params.data(), slot->params.size(), &handle,
                         error, sizeof(error));
  if (s != RF_OK || handle == nullptr) {
    // NUL-terminate whatever the plugin wrote; then clean it like any text
    // a plugin hands back.
    error[sizeof(error) - 1] = '\0';
    std::string why = CleanText(error[0] != '\0' ? error : init.error);
    if (why.empty()) why = absl::StrCat("create() returned status ", s);
    if (!init.error.empty() && init.error != why) {
      absl::StrAppend(&why, " (", init.error, ")");
    }
    return absl::InvalidArgumentError(
        absl::StrCat("detector '", slot->config.name(), "' (plugin ", d.name,
                     " at ", slot->plugin->path(), ") refused to start: ",
                     why));
  }
  if (slot->partition_sealed &&
      init.partition_key != static_cast<int32_t>(slot->partition_key)) {
    d.destroy(handle);
    return absl::InvalidArgumentError(absl::StrCat(
        "detector '", slot->config.name(), "' (plugin ", d.name,
        "): an instance declared partition key ",
        PartitionKeyName(static_cast<rf_partition_key>(init.partition_key)),
        " but the first declared ", PartitionKeyName(slot->partition_key),
        "; every instance must declare the same key"));
  }
  slot->partition_key = static_cast<rf_partition_key>(init.partition_key);
  Instance inst{slot, handle};
  // ABI 1.3: only a descriptor large enough to hold the field has it.
  if (d.struct_size >= offsetof(rf_plugin_descriptor, entity_hints) +
                           sizeof(d.entity_hints) &&
      d.entity_hints != nullptr) {
    inst.hints = d.entity_hints;
    ++hinting_;
  }
  instances_.push_back(inst);
  return absl::OkStatus();
}

void ShardDetectors::SetFaultContainment(CrashMarker* marker,
                                         QuarantineStore* quarantine) {
  marker_ = marker;
  quarantine_ = quarantine;
  for (Instance& inst : instances_) {
    inst.marker_name = marker != nullptr
                           ? marker->NameId(inst.slot->config.name())
                           : CrashMarker::kInlineName;
  }
}

void ShardDetectors::BuildView(const log::LoggedEvent& logged) {
  next_start_ = std::chrono::steady_clock::time_point();
  FillView(logged, &view_, &attributes_);
}

void ShardDetectors::FillView(const log::LoggedEvent& logged,
                              rf_event_view* out,
                              std::vector<rf_kv>* attributes) {
  const riskflow::v1::Event& e = logged.event;
  attributes->clear();
  for (const auto& [key, value] : e.attributes()) {
    attributes->push_back(rf_kv{Rf(key), Rf(value)});
  }
  rf_event_view& view = *out;
  std::memset(&view, 0, sizeof(view));
  view.struct_size = sizeof(view);
  view.sequence = logged.sequence;
  view.event_id = Rf(e.event_id());
  view.channel_id = Rf(e.channel_id());
  view.type = e.type();
  view.event_time_ms = e.event_time_ms();
  view.account_id = Rf(e.account_id());
  view.counterparty = Rf(e.counterparty());
  view.amount_minor = e.amount_minor();
  view.currency = Rf(e.currency());
  view.source_amount_minor = e.source_amount_minor();
  view.source_currency = Rf(e.source_currency());
  view.fx_rate = e.fx_rate();
  view.country = Rf(e.country());
  view.counterparty_country = Rf(e.counterparty_country());
  view.latitude = e.latitude();
  view.longitude = e.longitude();
  view.ip = Rf(e.ip());
  view.device_id = Rf(e.device_id());
  view.attributes = attributes->data();
  view.attribute_count = attributes->size();
}

void ShardDetectors::Run(const log::LoggedEvent& logged,
                         riskflow::v1::Decision* decision) {
  BuildView(logged);
  for (Instance& inst : instances_) RunOne(inst, logged, decision);
}

void ShardDetectors::RunMerged(const log::LoggedEvent& logged,
                               uint64_t remote_slots,
                               const StagePartial& remote,
                               riskflow::v1::Decision* decision) {
  BuildView(logged);
  for (size_t i = 0; i < instances_.size(); ++i) {
    if (i < 64 && (remote_slots >> i & 1) != 0) {
      // Run on the shard owning the slot's key: its annotations, in this
      // slot's place, so the decision is the same whatever the shard count.
      for (const auto& [slot, annotations] : remote.slots) {
        if (slot != i) continue;
        for (const riskflow::v1::Annotation& a : annotations) {
          *decision->add_annotations() = a;
        }
      }
      continue;
    }
    RunOne(instances_[i], logged, decision);
  }
}

void ShardDetectors::RunStages(const log::LoggedEvent& logged,
                               uint64_t slots, StagePartial* out) {
  BuildView(logged);
  riskflow::v1::Decision scratch;
  for (size_t i = 0; i < instances_.size() && i < 64; ++i) {
    if ((slots >> i & 1) == 0) continue;
    scratch.clear_annotations();
    RunOne(instances_[i], logged, &scratch);
    auto& [slot, annotations] = out->slots.emplace_back();
    slot = static_cast<uint32_t>(i);
    annotations.reserve(scratch.annotations_size());
    for (riskflow::v1::Annotation& a : *scratch.mutable_annotations()) {
      annotations.push_back(std::move(a));
    }
  }
}

void ShardDetectors::RunOne(Instance& inst, const log::LoggedEvent& logged,
                            riskflow::v1::Decision* decision) {
  const riskflow::v1::Event& e = logged.event;
  const rf_event_view& view = view_;
  {
    DetectorSlot* slot = inst.slot;
    if (slot->quarantined.load(std::memory_order_relaxed)) {
      // The reason rides in the decision, so a decision that differs from
      // a replay's says why (docs/plugin-faults.md, "Determinism").
      AddDegraded(slot, "DETECTOR_QUARANTINED",
                  absl::StrCat("detector is quarantined: ",
                               slot->QuarantineReason()),
                  decision);
      return;
    }
    call_.slot = slot;
    call_.event_time_ms = e.event_time_ms();
    call_.channel_id = e.channel_id();
    call_.event_id = e.event_id();
    call_.rng_seeded = false;
    call_.ClearAnnotations();
    call_.error.clear();
    call_.ResetOutputChecks();

    const int64_t budget = slot->config.time_budget_us() > 0
                               ? slot->config.time_budget_us()
                               : kDefaultBudgetUs;
    // Untimed (Pipeline::time_calls): no clock reads, no overrun counts.
    const bool timed = marker_ != nullptr || pipeline_->time_calls();
    const auto start =
        !timed ? std::chrono::steady_clock::time_point()
        : next_start_ != std::chrono::steady_clock::time_point()
            ? next_start_
            : std::chrono::steady_clock::now();
    if (marker_ != nullptr) {
      marker_->BeginCall(
          inst.marker_name, slot->config.name(), logged.sequence, budget,
          std::chrono::duration_cast<std::chrono::nanoseconds>(
              start.time_since_epoch())
              .count());
    }
    std::string escaped;
    const rf_status s = CallPlugin(
        [&] {
          return slot->plugin->descriptor().on_event(
              inst.handle, reinterpret_cast<rf_call_ctx*>(&call_), &view);
        },
        &escaped);
    if (marker_ != nullptr) marker_->EndCall();
    if (!escaped.empty()) {
      next_start_ = std::chrono::steady_clock::time_point();
      const std::string message = absl::StrCat(
          "threw through the C ABI on log sequence ", logged.sequence, ": ",
          escaped);
      slot->faults.fetch_add(1, std::memory_order_relaxed);
      Quarantine(slot, logged.sequence, message);
      AddDegraded(slot, "DETECTOR_ERROR", message, decision);
      return;
    }
    if (timed) next_start_ = std::chrono::steady_clock::now();
    const int64_t elapsed_us =
        timed ? std::chrono::duration_cast<std::chrono::microseconds>(
                    next_start_ - start)
                    .count()
              : 0;
    if (timed && metrics::DetectorTimingOn()) {
      inst.latency.Observe(slot->latency_us, elapsed_us);
    }

    if (s != RF_OK || !call_.error.empty()) {
      // last_error is only meaningful after a non-OK return.
      const char* plugin_error =
          s != RF_OK ? slot->plugin->descriptor().last_error(inst.handle)
                     : nullptr;
      std::string message = plugin_error != nullptr ? plugin_error : "";
      if (!call_.error.empty()) {
        if (!message.empty()) message += "; ";
        absl::StrAppend(&message, "host: ", call_.error);
      }
      if (message.empty()) message = absl::StrCat("on_event returned ", s);
      RecordFault(slot, logged.sequence, message);
      AddDegraded(slot, "DETECTOR_ERROR", CleanText(message), decision);
      return;
    }
    // Refused output (plugin_output.h) is a fault like an error return.
    const bool invalid_output = FinishCall(&call_, decision);
    // Overruns depend on the machine, not the event, so they never change a
    // decision — neither this one nor, through quarantine, later ones (a
    // replay must reproduce them). They are counted for operators
    // (ListPlugins) and only errors lead to quarantine.
    if (elapsed_us > budget) {
      slot->overruns.fetch_add(1, std::memory_order_relaxed);
    }
    if (invalid_output) {
      RecordFault(slot, logged.sequence, "it returned output the host refused");
    } else if (slot->consecutive_faults.load(std::memory_order_relaxed) !=
               0) {
      // Stored only when set: every shard runs every detector, and a store
      // on each call kept the slot's line (which every call reads for
      // `quarantined`) bouncing between the shards' cores (~1% of the
      // all-detectors CPU).
      slot->consecutive_faults.store(0, std::memory_order_relaxed);
    }
  }
}

void ShardDetectors::RecordFault(DetectorSlot* slot, uint64_t sequence,
                                 const std::string& message) {
  slot->faults.fetch_add(1, std::memory_order_relaxed);
  const uint32_t limit = slot->config.quarantine_after() > 0
                             ? slot->config.quarantine_after()
                             : kDefaultQuarantineAfter;
  if (slot->consecutive_faults.fetch_add(1, std::memory_order_relaxed) + 1 >=
      limit) {
    Quarantine(slot, sequence,
               absl::StrCat(limit, " consecutive faults, the last on log "
                                   "sequence ",
                            sequence, ": ", message));
  }
}

void ShardDetectors::Quarantine(DetectorSlot* slot, uint64_t sequence,
                                const std::string& reason) {
  if (slot->quarantined.load()) return;
  slot->SetQuarantine(reason);
  logging::Log(
      logging::Level::kError, {"plugin_host", -1, slot->config.name()},
      absl::StrCat("quarantined (", reason, "); its events get route ",
                   riskflow::v1::Route_Name(slot->config.on_error()),
                   " until `riskflow quarantine clear ", slot->config.name(),
                   "`"));
  if (quarantine_ == nullptr) return;
  riskflow::v1::QuarantinedDetector q;
  q.set_detector(slot->config.name());
  q.set_reason(reason);
  q.set_sequence(sequence);
  q.set_plugin_build_id(slot->plugin->build_id());
  // Rare (once per quarantine), so a synced write on the shard thread is
  // fine. If it fails the quarantine still holds for this run.
  if (absl::Status s = quarantine_->Add(q); !s.ok()) {
    logging::Log(logging::Level::kError,
                 {"plugin_host", -1, slot->config.name()},
                 absl::StrCat("cannot persist the quarantine: ", s.message()));
  }
}

void ShardDetectors::AddDegraded(DetectorSlot* slot, const char* reason,
                                 const std::string& message,
                                 riskflow::v1::Decision* decision) {
  riskflow::v1::Annotation* a = decision->add_annotations();
  a->set_detector(slot->config.name());
  a->set_detector_version(slot->plugin->descriptor().version);
  a->set_reason_code(reason);
  a->set_message(message);
  a->set_degraded(true);
  riskflow::v1::Route route = slot->config.on_error();
  if (route == riskflow::v1::ROUTE_UNSPECIFIED) {
    route = riskflow::v1::MANUAL_REVIEW;
  }
  a->set_route(route);
  a->set_route_hint(route);
}

}  // namespace riskflow::plugin_host
