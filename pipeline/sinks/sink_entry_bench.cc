// What the storage-side checks cost per stored decision: EncodeDecision
// (UTF-8 check of every string by reflection + serialize + size bound)
// against the plain SerializeToString it replaced, on a typical flagged
// decision (3 annotations with messages and evidence).
//
//   bazel run -c opt //pipeline/sinks:sink_entry_bench
#include <string>

#include "benchmark/benchmark.h"
#include "pipeline/sinks/sink_entry.h"

namespace riskflow::sinks {
namespace {

riskflow::v1::Decision Typical() {
  riskflow::v1::Decision d;
  d.set_decision_id("card-acquirer-7/evt-000123456789");
  d.set_event_id("evt-000123456789");
  d.set_channel_id("card-acquirer-7");
  d.set_account_id("acct-12345678");
  d.set_sequence(123456789);
  d.set_event_time_ms(1700000000000);
  d.add_routes(riskflow::v1::FREEZE);
  d.add_routes(riskflow::v1::NOTIFY);
  d.set_route(riskflow::v1::FREEZE);
  d.set_pipeline_version(std::string(64, 'a'));
  for (int i = 0; i < 3; ++i) {
    auto* a = d.add_annotations();
    a->set_detector("velocity_burst");
    a->set_detector_version("1.1.0");
    a->set_score(0.8);
    a->set_reason_code("VELOCITY");
    a->set_message(
        "23 PAYMENT,PAYOUT,TRANSFER events in 1m, above the limit of 20");
    for (const char* k : {"count", "window_ms", "max_events"}) {
      auto* e = a->add_evidence();
      e->set_key(k);
      e->set_value("60000");
    }
    a->set_route(riskflow::v1::FREEZE);
  }
  auto* b = d.add_plugin_builds();
  b->set_detector("velocity_burst");
  b->set_build_id(std::string(40, 'f'));
  return d;
}

void BM_Serialize(benchmark::State& state) {
  riskflow::v1::Decision d = Typical();
  std::string bytes;
  for (auto _ : state) {
    d.SerializeToString(&bytes);
    benchmark::DoNotOptimize(bytes);
  }
}
BENCHMARK(BM_Serialize);

void BM_EncodeDecision(benchmark::State& state) {
  riskflow::v1::Decision d = Typical();
  std::string bytes;
  for (auto _ : state) {
    EncodeDecision(&d, &bytes);
    benchmark::DoNotOptimize(bytes);
  }
}
BENCHMARK(BM_EncodeDecision);

void BM_DecodeDecision(benchmark::State& state) {
  riskflow::v1::Decision d = Typical(), out;
  std::string bytes;
  EncodeDecision(&d, &bytes);
  for (auto _ : state) {
    benchmark::DoNotOptimize(DecodeDecision(bytes, "x", &out));
  }
}
BENCHMARK(BM_DecodeDecision);

}  // namespace
}  // namespace riskflow::sinks

BENCHMARK_MAIN();
