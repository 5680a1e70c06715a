// datagen: writes a realistic synthetic event stream with labelled injected
// anomalies (see generator.h) for the demo, tests and benchmarks.
//
//   datagen --seed 42 --events 1000000 --out events.jsonl.gz
//   datagen --days 14 --accounts 500 --anomaly_rate 0.01 --out demo.jsonl
//   datagen --events 10000000 --out bench.pb   # length-delimited protobuf
//
// Same flags => byte-identical output. A summary (events per type, channel
// and injected scenario) goes to stderr.
#include <cmath>
#include <cstdio>
#include <string>
#include <vector>

#include "absl/flags/flag.h"
#include "absl/flags/parse.h"
#include "absl/flags/usage.h"
#include "absl/strings/str_split.h"
#include "tools/datagen/generator.h"
#include "tools/datagen/writer.h"

ABSL_FLAG(uint64_t, seed, 42, "random seed; same seed, same bytes");
ABSL_FLAG(uint64_t, events, 0,
          "stop after this many events (0 = all of --days); without --days "
          "the stream is made long enough to reach it");
ABSL_FLAG(uint32_t, days, 0,
          "days of event time (default 7, or enough "
          "for --events)");
ABSL_FLAG(uint32_t, accounts, 1000, "accounts");
ABSL_FLAG(uint32_t, merchants, 200, "merchants in the shared pool");
ABSL_FLAG(double, events_per_account_per_day, 8,
          "average benign events per account per day");
ABSL_FLAG(double, anomaly_rate, 0.001,
          "injected anomaly episodes per benign event");
ABSL_FLAG(int64_t, start_time_ms, 1767225600000,
          "event time of the start, ms since the epoch (2026-01-01 UTC)");
ABSL_FLAG(std::string, channels, "card-acq-1,wallet-app,bank-rails",
          "channel ids for card acquiring, the app and bank rails");
ABSL_FLAG(std::string, out, "-",
          "output file: .jsonl, .jsonl.gz, .pb, .pb.gz; '-' = stdout");
ABSL_FLAG(std::string, format, "",
          "jsonl or proto (default: from the --out extension)");
ABSL_FLAG(std::string, id_prefix, "",
          "event ids are <prefix>-<n> (default dg<seed>); change it to "
          "publish two runs of one seed into the same daemon");
ABSL_FLAG(bool, quiet, false, "no summary on stderr");
ABSL_FLAG(bool, hard_negatives, true,
          "benign traffic with the hard negatives of real traffic (quiet "
          "accounts' big days, merchant payout runs, pay days, trips abroad, "
          "the same payee twice, small-amount accounts; see "
          "tools/datagen/hard_negatives.h); false = the clean traffic of "
          "earlier versions, byte for byte");

namespace {

using riskflow::datagen::GeneratorOptions;

int Fail(const std::string& message) {
  std::fprintf(stderr, "datagen: %s\n", message.c_str());
  return 2;
}

void PrintSummary(const riskflow::datagen::GeneratorStats& s) {
  std::fprintf(stderr, "datagen: %llu events\n",
               static_cast<unsigned long long>(s.events));
  for (const auto& [type, n] : s.by_type) {
    std::fprintf(stderr, "  type    %-18s %llu\n", type.c_str(),
                 static_cast<unsigned long long>(n));
  }
  for (const auto& [channel, n] : s.by_channel) {
    std::fprintf(stderr, "  channel %-18s %llu\n", channel.c_str(),
                 static_cast<unsigned long long>(n));
  }
  const auto& names = riskflow::datagen::ScenarioNames();
  for (size_t i = 0; i < names.size(); ++i) {
    std::fprintf(stderr, "  anomaly %-24s %llu episodes, %llu labelled\n",
                 names[i].c_str(),
                 static_cast<unsigned long long>(s.episodes[i]),
                 static_cast<unsigned long long>(s.labelled[i]));
  }
  for (const auto& [behaviour, n] : s.hard_negatives) {
    std::fprintf(stderr, "  hard negative %-20s %llu\n", behaviour.c_str(),
                 static_cast<unsigned long long>(n));
  }
  std::fprintf(stderr, "  benign debits capped %llu, skipped %llu by guards\n",
               static_cast<unsigned long long>(s.benign_debits_capped),
               static_cast<unsigned long long>(s.benign_debits_skipped));
}

}  // namespace

int main(int argc, char** argv) {
  absl::SetProgramUsageMessage(
      "datagen --seed 42 (--events N | --days D) --accounts A --out FILE");
  std::vector<char*> rest = absl::ParseCommandLine(argc, argv);
  if (rest.size() > 1)
    return Fail(std::string("unexpected argument ") + rest[1]);

  GeneratorOptions o;
  o.seed = absl::GetFlag(FLAGS_seed);
  o.accounts = absl::GetFlag(FLAGS_accounts);
  o.merchants = absl::GetFlag(FLAGS_merchants);
  o.events_per_account_per_day =
      absl::GetFlag(FLAGS_events_per_account_per_day);
  o.anomaly_rate = absl::GetFlag(FLAGS_anomaly_rate);
  o.start_time_ms = absl::GetFlag(FLAGS_start_time_ms);
  o.max_events = absl::GetFlag(FLAGS_events);
  o.id_prefix = absl::GetFlag(FLAGS_id_prefix);
  o.hard_negatives = absl::GetFlag(FLAGS_hard_negatives);
  o.channels =
      absl::StrSplit(absl::GetFlag(FLAGS_channels), ',', absl::SkipEmpty());
  if (o.accounts == 0) return Fail("--accounts must be at least 1");
  if (o.events_per_account_per_day <= 0) {
    return Fail("--events_per_account_per_day must be positive");
  }
  if (o.anomaly_rate < 0 || o.anomaly_rate > 0.5) {
    return Fail("--anomaly_rate must be in [0, 0.5]");
  }
  if (o.start_time_ms <= 0) return Fail("--start_time_ms must be positive");
  if (o.channels.empty()) return Fail("--channels must name a channel");
  o.days = absl::GetFlag(FLAGS_days);
  if (o.days == 0) {
    // Enough days for --events with a 25% margin (guards skip some debits).
    o.days = o.max_events == 0
                 ? 7
                 : static_cast<uint32_t>(
                       std::ceil(1.25 * static_cast<double>(o.max_events) /
                                 (o.accounts * o.events_per_account_per_day))) +
                       1;
  }

  const std::string out = absl::GetFlag(FLAGS_out);
  auto format =
      riskflow::datagen::ParseFormat(absl::GetFlag(FLAGS_format), out);
  if (!format.ok()) return Fail(std::string(format.status().message()));
  auto writer = riskflow::datagen::EventWriter::Open(out, *format);
  if (!writer.ok()) return Fail(std::string(writer.status().message()));

  riskflow::datagen::Generator generator(o);
  riskflow::v1::Event event;
  while (generator.Next(&event)) {
    if (auto s = (*writer)->Write(event); !s.ok()) {
      return Fail(std::string(s.message()));
    }
  }
  if (auto s = (*writer)->Close(); !s.ok())
    return Fail(std::string(s.message()));
  if (!absl::GetFlag(FLAGS_quiet)) PrintSummary(generator.stats());
  if (o.max_events != 0 && generator.stats().events < o.max_events) {
    std::fprintf(stderr,
                 "datagen: warning: only %llu of %llu events in %u days\n",
                 static_cast<unsigned long long>(generator.stats().events),
                 static_cast<unsigned long long>(o.max_events), o.days);
  }
  return 0;
}
