// JSONL event parsing: lines/s of ParseEventJson (simdjson fast path, see
// event_json_fast.h) against ParseEventJsonGeneral (protobuf's
// JsonStringToMessage alone, what ParseEventJson was before), on the same
// lines in the same run.
//
//   bazel build //pipeline/replay:event_json_bench
//   bazel-bin/pipeline/replay/event_json_bench --benchmark_repetitions=3
//       --benchmark_report_aggregates_only=true
//
// Arg 0: lines shaped like tools/sample/events.jsonl (proto field names,
// bare integers, ~1 in 5 with an attribute). Arg 1: the same events as
// MessageToJsonString prints them (lowerCamelCase names, quoted int64s).
// BM_FastPathOnly parses into one reused Event, i.e. without the
// allocation of a fresh Event per line that ParseEventJson returns. After
// the table it prints how many times faster ParseEventJson is.

#include <cstdio>
#include <map>
#include <random>
#include <string>
#include <vector>

#include "benchmark/benchmark.h"
#include "tools/bench/rate_reporter.h"
#include "google/protobuf/util/json_util.h"
#include "pipeline/replay/event_json_fast.h"
#include "pipeline/replay/jsonl_reader.h"
#include "proto/riskflow/v1/event.pb.h"

namespace riskflow::replay {
namespace {

constexpr int kLines = 4096;

// Events like tools/sample/make_sample.py's: payments, payouts, transfers
// and logins on three channels, CNY/USD/EUR, private IPs, short device ids.
std::vector<riskflow::v1::Event> SampleEvents() {
  std::mt19937_64 rng(42);
  auto pick = [&rng](int n) {
    return static_cast<int>(std::uniform_int_distribution<int>(0, n - 1)(rng));
  };
  const char* channels[] = {"bank-rails", "card-acq-1", "wallet-app"};
  const char* currencies[] = {"CNY", "USD", "EUR"};
  const char* countries[] = {"CN", "US", "DE"};
  const char* labels[] = {"resend", "velocity_burst", "large_payout"};
  std::vector<riskflow::v1::Event> events;
  int64_t time_ms = 1767225600000;
  char buf[64];
  for (int i = 0; i < kLines; ++i) {
    riskflow::v1::Event e;
    std::snprintf(buf, sizeof(buf), "evt-%06d", i + 1);
    e.set_event_id(buf);
    e.set_channel_id(channels[pick(3)]);
    time_ms += 1 + pick(20000);
    e.set_event_time_ms(time_ms);
    std::snprintf(buf, sizeof(buf), "acct-%04d", pick(50));
    e.set_account_id(buf);
    const int kind = pick(100);
    const int c = pick(3);
    if (kind < 8) {
      e.set_type(riskflow::v1::LOGIN);
    } else {
      e.set_type(kind < 75   ? riskflow::v1::PAYMENT
                 : kind < 90 ? riskflow::v1::PAYOUT
                             : riskflow::v1::TRANSFER);
      std::snprintf(buf, sizeof(buf), "%s-%04d",
                    e.type() == riskflow::v1::PAYMENT  ? "merch"
                    : e.type() == riskflow::v1::PAYOUT ? "bene"
                                                       : "acct",
                    pick(200));
      e.set_counterparty(buf);
      e.set_amount_minor(1000 + pick(200000));
      e.set_currency(currencies[c]);
    }
    e.set_country(countries[c]);
    std::snprintf(buf, sizeof(buf), "10.%d.%d.%d", pick(256), pick(256),
                  pick(256));
    e.set_ip(buf);
    std::snprintf(buf, sizeof(buf), "dev-%06x", pick(1 << 24));
    e.set_device_id(buf);
    if (pick(5) == 0) (*e.mutable_attributes())["label"] = labels[pick(3)];
    events.push_back(std::move(e));
  }
  return events;
}

// tools/sample/events.jsonl's own layout: proto names in field order,
// integers unquoted, defaults omitted.
std::string SampleLine(const riskflow::v1::Event& e) {
  std::string out = "{";
  auto str = [&out](const char* key, const std::string& value) {
    if (value.empty()) return;
    if (out.size() > 1) out += ',';
    out += '"';
    out += key;
    out += "\":\"";
    out += value;  // generated values need no escaping
    out += '"';
  };
  auto num = [&out](const char* key, int64_t value) {
    if (value == 0) return;
    if (out.size() > 1) out += ',';
    out += '"';
    out += key;
    out += "\":";
    out += std::to_string(value);
  };
  str("event_id", e.event_id());
  str("channel_id", e.channel_id());
  str("type", riskflow::v1::EventType_Name(e.type()));
  num("event_time_ms", e.event_time_ms());
  str("account_id", e.account_id());
  str("counterparty", e.counterparty());
  num("amount_minor", e.amount_minor());
  str("currency", e.currency());
  str("country", e.country());
  str("ip", e.ip());
  str("device_id", e.device_id());
  if (!e.attributes().empty()) {
    out += ",\"attributes\":{";
    bool first = true;
    for (const auto& [k, v] : e.attributes()) {
      if (!first) out += ',';
      first = false;
      out += '"' + k + "\":\"" + v + '"';
    }
    out += '}';
  }
  out += '}';
  return out;
}

const std::vector<std::string>& Lines(int64_t shape) {
  static const auto* lines = [] {
    auto* by_shape = new std::vector<std::string>[2];
    for (const riskflow::v1::Event& e : SampleEvents()) {
      by_shape[0].push_back(SampleLine(e));
      std::string json;
      (void)google::protobuf::util::MessageToJsonString(e, &json);
      by_shape[1].push_back(json);
    }
    return by_shape;
  }();
  return lines[shape];
}

// A benchmark whose lines the fast path declined would measure the wrong
// thing; refuse to report it.
bool AllTakeFastPath(const std::vector<std::string>& lines) {
  riskflow::v1::Event event;
  for (const std::string& line : lines) {
    if (!TryParseEventJsonFast(line, &event)) return false;
  }
  return true;
}

void SetCounters(benchmark::State& state, const std::vector<std::string>& lines,
                 int64_t bytes) {
  state.SetItemsProcessed(state.iterations() * lines.size());
  state.SetBytesProcessed(state.iterations() * bytes);
}

int64_t TotalBytes(const std::vector<std::string>& lines) {
  int64_t n = 0;
  for (const std::string& l : lines) n += l.size();
  return n;
}

void BM_Protobuf(benchmark::State& state) {
  const auto& lines = Lines(state.range(0));
  for (auto _ : state) {
    for (const std::string& line : lines) {
      auto event = ParseEventJsonGeneral(line);
      if (!event.ok()) state.SkipWithError("protobuf rejected a line");
      benchmark::DoNotOptimize(event);
    }
  }
  SetCounters(state, lines, TotalBytes(lines));
}

void BM_ParseEventJson(benchmark::State& state) {
  const auto& lines = Lines(state.range(0));
  if (!AllTakeFastPath(lines)) {
    state.SkipWithError("the fast path declined a benchmark line");
    return;
  }
  for (auto _ : state) {
    for (const std::string& line : lines) {
      auto event = ParseEventJson(line);
      if (!event.ok()) state.SkipWithError("ParseEventJson rejected a line");
      benchmark::DoNotOptimize(event);
    }
  }
  SetCounters(state, lines, TotalBytes(lines));
}

void BM_FastPathOnly(benchmark::State& state) {
  const auto& lines = Lines(state.range(0));
  riskflow::v1::Event event;
  for (auto _ : state) {
    for (const std::string& line : lines) {
      if (!TryParseEventJsonFast(line, &event)) {
        state.SkipWithError("the fast path declined a benchmark line");
      }
      benchmark::DoNotOptimize(event);
    }
  }
  SetCounters(state, lines, TotalBytes(lines));
}

BENCHMARK(BM_Protobuf)->Arg(0)->Arg(1);
BENCHMARK(BM_ParseEventJson)->Arg(0)->Arg(1);
BENCHMARK(BM_FastPathOnly)->Arg(0)->Arg(1);

}  // namespace
}  // namespace riskflow::replay

int main(int argc, char** argv) {
  return riskflow::bench::RunWithRatios(
      argc, argv, [](const riskflow::bench::RateReporter::Rates& rates) {
        auto base = rates.find("BM_Protobuf");
        if (base == rates.end()) return;
        const char* shapes[] = {"sample (proto names, bare ints)",
                                "MessageToJsonString (camelCase, quoted int64)"};
        std::printf("\nlines/s versus protobuf's JsonStringToMessage:\n");
        for (const char* name : {"BM_ParseEventJson", "BM_FastPathOnly"}) {
          auto fast = rates.find(name);
          if (fast == rates.end()) continue;
          for (const auto& [args, rate] : fast->second) {
            auto b = base->second.find(args);
            if (b == base->second.end() || b->second <= 0) continue;
            const int shape = args == "0" ? 0 : 1;
            std::printf("  %-18s %-46s %10.0f vs %8.0f = %.1fx\n", name,
                        shapes[shape], rate, b->second, rate / b->second);
          }
        }
      });
}
