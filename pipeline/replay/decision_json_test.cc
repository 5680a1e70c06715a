// The fast decision printer must give exactly DecisionToJson's bytes.
#include "pipeline/replay/decision_json.h"

#include <random>
#include <string>

#include "gtest/gtest.h"
#include "pipeline/replay/jsonl_reader.h"

namespace riskflow::replay {
namespace {

namespace v1 = ::riskflow::v1;

std::string Slow(const v1::Decision& d) { return DecisionToJson(d) + "\n"; }

std::string Fast(const v1::Decision& d) {
  std::string out;
  AppendDecisionJsonLine(d, &out);
  return out;
}

TEST(DecisionJsonTest, CleanPassMatchesTheProtobufPrinter) {
  v1::Decision d;
  d.set_decision_id("wallet-app/evt-1");
  d.set_event_id("evt-1");
  d.set_channel_id("wallet-app");
  d.set_account_id("acct-7");
  d.set_sequence(18446744073709551615ull);
  d.set_event_time_ms(-5);
  d.add_routes(v1::PASS);
  d.set_route(v1::PASS);
  d.set_pipeline_version(std::string(64, 'a'));
  d.set_late(true);
  EXPECT_EQ(Fast(d), Slow(d));
  EXPECT_EQ(Fast(v1::Decision()), Slow(v1::Decision()));
}

TEST(DecisionJsonTest, RandomDecisionsMatchTheProtobufPrinter) {
  // Characters the printer copies and ones it escapes, so both paths run.
  const std::string alphabet =
      "abcXYZ019-_/.:@ !#$%()*+,;?[]^`{|}~\"\\<>&'=\t\n\x01\x7f\xc3\xa9";
  std::mt19937_64 rng(7);
  auto text = [&]() {
    std::string s;
    const int n = static_cast<int>(rng() % 6);
    for (int i = 0; i < n; ++i) {
      char c = alphabet[rng() % alphabet.size()];
      if (c == '\xc3') {
        s += "\xc3\xa9";  // keep UTF-8 valid
      } else if (c != '\xa9') {
        s.push_back(c);
      }
    }
    return s;
  };
  for (int i = 0; i < 5000; ++i) {
    v1::Decision d;
    d.set_decision_id(text());
    d.set_event_id(text());
    d.set_channel_id(text());
    d.set_account_id(text());
    d.set_sequence(rng() % 3 == 0 ? 0 : rng());
    d.set_event_time_ms(static_cast<int64_t>(rng()) >> (rng() % 64));
    const int routes = static_cast<int>(rng() % 3);
    for (int r = 0; r < routes; ++r) {
      d.add_routes(static_cast<v1::Route>(rng() % 6));  // 5: no such route
    }
    d.set_route(static_cast<v1::Route>(rng() % 5));
    d.set_pipeline_version(text());
    d.set_late(rng() % 2 == 0);
    d.set_sink_sequence(rng() % 4 == 0 ? rng() : 0);
    if (rng() % 4 == 0) {
      v1::Annotation* a = d.add_annotations();
      a->set_detector("velocity");
      a->set_score(static_cast<double>(rng() % 1000) / 7);
    }
    ASSERT_EQ(Fast(d), Slow(d)) << d.ShortDebugString();
  }
}

}  // namespace
}  // namespace riskflow::replay
