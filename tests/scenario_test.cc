// Runs every folder under tests/scenarios end to end (see its README): the
// crafted stream must give exactly the expected route, reason and evidence
// on the marked events and PASS everywhere else; the look-alike stream must
// stay PASS. Each stream goes to a fresh real daemon.
#include <dirent.h>

#include <algorithm>
#include <cstdlib>
#include <fstream>
#include <map>
#include <sstream>
#include <string>
#include <vector>

#include "absl/strings/str_split.h"
#include "gtest/gtest.h"
#include "pipeline/replay/jsonl_reader.h"
#include "tests/events.h"
#include "tests/test_daemon.h"

namespace riskflow::e2e {
namespace {

std::string ScenariosRoot() {
  const char* srcdir = std::getenv("TEST_SRCDIR");
  return std::string(srcdir == nullptr ? "." : srcdir) +
         "/riskflow/tests/scenarios";
}

std::vector<std::string> ScenarioNames() {
  std::vector<std::string> names;
  DIR* dir = opendir(ScenariosRoot().c_str());
  if (dir == nullptr) return names;
  while (dirent* entry = readdir(dir)) {
    std::string name = entry->d_name;
    if (name.empty() || name[0] == '.') continue;
    std::ifstream probe(ScenariosRoot() + "/" + name + "/pipeline.yaml");
    if (probe.good()) names.push_back(name);
  }
  closedir(dir);
  std::sort(names.begin(), names.end());
  return names;
}

std::string ReadFile(const std::string& path) {
  std::ifstream in(path);
  std::stringstream s;
  s << in.rdbuf();
  return s.str();
}

std::vector<riskflow::v1::Event> ReadEvents(const std::string& path) {
  std::vector<riskflow::v1::Event> events;
  auto reader = replay::JsonlEventReader::Open(path);
  EXPECT_TRUE(reader.ok()) << reader.status();
  if (!reader.ok()) return events;
  riskflow::v1::Event e;
  while (true) {
    auto more = (*reader)->Next(&e);
    EXPECT_TRUE(more.ok()) << more.status();
    if (!more.ok() || !*more) break;
    events.push_back(e);
  }
  return events;
}

std::string Attr(const riskflow::v1::Event& e, const std::string& key) {
  auto it = e.attributes().find(key);
  return it == e.attributes().end() ? "" : it->second;
}

std::string Describe(const riskflow::v1::Decision& d) {
  std::string out = riskflow::v1::Route_Name(d.route());
  for (const auto& a : d.annotations()) {
    out += " " + a.detector() + ":" + a.reason_code() + "{";
    for (const auto& ev : a.evidence()) out += ev.key() + "=" + ev.value() + ";";
    out += "}";
  }
  return out;
}

// Publishes the stream to a fresh daemon and checks every decision.
void RunStream(const std::string& name, const std::string& file,
               bool benign) {
  const std::string dir = ScenariosRoot() + "/" + name;
  std::vector<riskflow::v1::Event> events = ReadEvents(dir + "/" + file);
  ASSERT_FALSE(events.empty()) << dir << "/" << file;
  TestDaemonOptions options;
  options.pipeline_yaml = ReadFile(dir + "/pipeline.yaml");
  auto daemon = TestDaemon::Start(options);
  ASSERT_TRUE(daemon.ok()) << name << ": " << daemon.status();
  TestDaemon& d = **daemon;
  std::vector<riskflow::v1::PublishAck> acks;
  grpc::Status s = d.Publish(Batches(events, 100), &acks);
  ASSERT_TRUE(s.ok()) << s.error_message();
  for (const auto& ack : acks) {
    ASSERT_EQ(ack.errors_size(), 0) << name << "/" << file << ": "
                                    << ack.errors(0).message();
  }
  ASSERT_TRUE(d.WaitProcessed().ok());

  int flagged = 0;
  for (const riskflow::v1::Event& e : events) {
    riskflow::v1::EvaluateResponse response;
    ASSERT_TRUE(d.Evaluate(e, &response).ok());
    const riskflow::v1::Decision& decision = response.decision();
    const std::string where = name + "/" + file + " " + e.event_id() + ": " +
                              Describe(decision);
    const std::string expect_route = benign ? "" : Attr(e, "expect_route");
    if (expect_route.empty()) {
      EXPECT_EQ(decision.route(), riskflow::v1::PASS) << where;
      continue;
    }
    ++flagged;
    EXPECT_EQ(riskflow::v1::Route_Name(decision.route()), expect_route)
        << where;
    const std::string reason = Attr(e, "expect_reason");
    const riskflow::v1::Annotation* match = nullptr;
    for (const auto& a : decision.annotations()) {
      if (a.reason_code() == reason) match = &a;
    }
    ASSERT_NE(match, nullptr) << where << " lacks reason " << reason;
    std::map<std::string, std::string> evidence;
    for (const auto& ev : match->evidence()) evidence[ev.key()] = ev.value();
    for (absl::string_view pair :
         absl::StrSplit(Attr(e, "expect_evidence"), ';', absl::SkipEmpty())) {
      std::vector<std::string> kv = absl::StrSplit(pair, absl::MaxSplits('=', 1));
      ASSERT_EQ(kv.size(), 2u) << where << " bad expect_evidence";
      EXPECT_EQ(evidence[kv[0]], kv[1]) << where << " evidence " << kv[0];
    }
  }
  if (!benign) EXPECT_GT(flagged, 0) << name << ": no expectations";
}

class ScenarioTest : public ::testing::TestWithParam<std::string> {};

TEST_P(ScenarioTest, CraftedStreamGivesTheExpectedDecisions) {
  RunStream(GetParam(), "positive.jsonl", /*benign=*/false);
}

TEST_P(ScenarioTest, LookAlikeStreamStaysPass) {
  RunStream(GetParam(), "benign.jsonl", /*benign=*/true);
}

INSTANTIATE_TEST_SUITE_P(Scenarios, ScenarioTest,
                         ::testing::ValuesIn(ScenarioNames()),
                         [](const auto& info) { return info.param; });

TEST(ScenarioCoverage, EveryBuiltInDetectorHasAScenario) {
  std::vector<std::string> names = ScenarioNames();
  for (const char* detector :
       {"auth_failures", "balance_reconciliation", "cross_border",
        "duplicate_payout", "fx_sanity", "impossible_travel", "large_amount",
        "new_beneficiary", "sudden_outflow", "unknown_counterparty",
        "velocity"}) {
    EXPECT_NE(std::find(names.begin(), names.end(), detector), names.end())
        << "no tests/scenarios/" << detector;
  }
}

}  // namespace
}  // namespace riskflow::e2e
