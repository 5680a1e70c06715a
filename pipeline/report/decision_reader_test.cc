#include "pipeline/report/decision_reader.h"

#include <sstream>
#include <string>

#include "absl/status/status.h"
#include "gmock/gmock.h"
#include "google/protobuf/io/gzip_stream.h"
#include "google/protobuf/io/zero_copy_stream_impl_lite.h"
#include "google/protobuf/util/delimited_message_util.h"
#include "gtest/gtest.h"
#include "pipeline/report/diff.h"
#include "pipeline/report/test_files.h"

namespace riskflow::report {
namespace {

using ::riskflow::report::testing::Annotation;
using ::riskflow::report::testing::DecisionLine;
using ::riskflow::report::testing::WriteTestFile;
using ::testing::HasSubstr;

riskflow::v1::Decision MakeDecision(const std::string& event_id,
                                    riskflow::v1::Route route) {
  riskflow::v1::Decision d;
  d.set_decision_id("card/" + event_id);
  d.set_event_id(event_id);
  d.set_channel_id("card");
  d.set_sequence(7);
  d.set_event_time_ms(1767225600123);
  d.add_routes(route);
  d.set_route(route);
  d.set_pipeline_version("v2");
  riskflow::v1::Annotation* a = d.add_annotations();
  a->set_detector("velocity");
  a->set_reason_code("VELOCITY");
  a->set_route(route);
  return d;
}

std::string Delimited(const std::vector<riskflow::v1::Decision>& decisions) {
  std::ostringstream out;
  for (const auto& d : decisions) {
    google::protobuf::util::SerializeDelimitedToOstream(d, &out);
  }
  return out.str();
}

std::string Gzip(const std::string& data) {
  std::string out;
  {
    google::protobuf::io::StringOutputStream sink(&out);
    google::protobuf::io::GzipOutputStream gzip(&sink);
    void* buffer;
    int size;
    size_t done = 0;
    while (done < data.size() && gzip.Next(&buffer, &size)) {
      const int n = std::min<size_t>(size, data.size() - done);
      memcpy(buffer, data.data() + done, n);
      done += n;
      gzip.BackUp(size - n);
    }
    gzip.Close();
  }
  return out;
}

TEST(LoadDecisionsTest, ReadsJsonlAsReplayWritesIt) {
  std::string path = WriteTestFile(
      "a.jsonl",
      "# comment line\n\n" +
          DecisionLine("e1", "FREEZE",
                       Annotation("velocity", "VELOCITY", "FREEZE") + "," +
                           Annotation("large_amount", "LARGE", "PASS"),
                       "v1", 3, 1767225601000) +
          DecisionLine("e2", "PASS"));
  absl::StatusOr<DecisionSet> set = LoadDecisions(path);
  ASSERT_TRUE(set.ok()) << set.status();
  ASSERT_EQ(set->size(), 2);
  std::optional<size_t> e1 = set->Find("wallet/e1");
  ASSERT_TRUE(e1.has_value());
  const DecisionRecord& r = set->record(*e1);
  EXPECT_EQ(r.route, riskflow::v1::FREEZE);
  EXPECT_EQ(r.sequence, 3u);
  EXPECT_EQ(r.event_time_ms, 1767225601000);
  ASSERT_EQ(set->annotations(*e1).size(), 2u);
  EXPECT_EQ(set->reasons().Label(set->annotations(*e1)[0].reason),
            "velocity:VELOCITY");
  EXPECT_EQ(set->annotations(*e1)[1].route, riskflow::v1::PASS);
  EXPECT_EQ(set->pipeline_versions(), std::vector<std::string>{"v1"});
  EXPECT_FALSE(set->Find("wallet/e3").has_value());
}

TEST(LoadDecisionsTest, DerivesIdAndRouteFromOlderFields) {
  std::string path = WriteTestFile(
      "derived.jsonl",
      R"({"event_id":"x","channel_id":"c","routes":["NOTIFY","FREEZE"]})"
      "\n");
  absl::StatusOr<DecisionSet> set = LoadDecisions(path);
  ASSERT_TRUE(set.ok()) << set.status();
  std::optional<size_t> x = set->Find("c/x");
  ASSERT_TRUE(x.has_value());
  EXPECT_EQ(set->record(*x).route, riskflow::v1::FREEZE);
  EXPECT_EQ(SinkList(set->record(*x)), "FREEZE+NOTIFY");
}

TEST(LoadDecisionsTest, ReadsDelimitedProtoPlainAndGzipped) {
  std::string data = Delimited({MakeDecision("p1", riskflow::v1::FREEZE),
                                MakeDecision("p2", riskflow::v1::PASS)});
  for (const std::string& name :
       {std::string("b.pb"), std::string("b.pb.gz"), std::string("b.out")}) {
    const bool gz = name.find(".gz") != std::string::npos;
    std::string path = WriteTestFile(name, gz ? Gzip(data) : data);
    absl::StatusOr<DecisionSet> set = LoadDecisions(path);
    ASSERT_TRUE(set.ok()) << name << ": " << set.status();
    EXPECT_EQ(set->size(), 2) << name;
    ASSERT_TRUE(set->Find("card/p1").has_value()) << name;
    EXPECT_EQ(set->record(*set->Find("card/p1")).sequence, 7u);
  }
}

TEST(LoadDecisionsTest, SniffsGzippedJsonlWithoutExtension) {
  std::string path =
      WriteTestFile("c.data", Gzip(DecisionLine("e1", "NOTIFY")));
  absl::StatusOr<DecisionSet> set = LoadDecisions(path);
  ASSERT_TRUE(set.ok()) << set.status();
  EXPECT_EQ(set->size(), 1);
}

TEST(LoadDecisionsTest, CountsRepeatedIdsAndKeepsTheFirst) {
  std::string path = WriteTestFile(
      "dup.jsonl", DecisionLine("e1", "FREEZE") + DecisionLine("e1", "PASS"));
  absl::StatusOr<DecisionSet> set = LoadDecisions(path);
  ASSERT_TRUE(set.ok()) << set.status();
  EXPECT_EQ(set->size(), 1);
  EXPECT_EQ(set->duplicates(), 1);
  EXPECT_EQ(set->record(0).route, riskflow::v1::FREEZE);
}

TEST(LoadDecisionsTest, MalformedLineNamesFileAndLine) {
  std::string path = WriteTestFile(
      "bad.jsonl", DecisionLine("e1", "PASS") + "{\"route\": \"SOMETIMES\"}\n");
  absl::StatusOr<DecisionSet> set = LoadDecisions(path);
  ASSERT_FALSE(set.ok());
  EXPECT_EQ(set.status().code(), absl::StatusCode::kInvalidArgument);
  EXPECT_THAT(std::string(set.status().message()),
              HasSubstr("bad.jsonl:2: invalid"));
}

TEST(LoadDecisionsTest, EventsFileIsNotTakenForDecisions) {
  std::string path = WriteTestFile(
      "events_by_mistake.jsonl",
      R"({"event_id":"e1","channel_id":"c","type":"PAYOUT","amount_minor":5})"
      "\n");
  absl::StatusOr<DecisionSet> set = LoadDecisions(path);
  ASSERT_FALSE(set.ok());
  EXPECT_THAT(std::string(set.status().message()),
              HasSubstr("events_by_mistake.jsonl:1: invalid decision"));
}

TEST(LoadDecisionsTest, TruncatedProtoIsAnError) {
  std::string data = Delimited({MakeDecision("p1", riskflow::v1::FREEZE)});
  std::string path = WriteTestFile("cut.pb", data.substr(0, data.size() - 3));
  absl::StatusOr<DecisionSet> set = LoadDecisions(path);
  ASSERT_FALSE(set.ok());
  EXPECT_THAT(std::string(set.status().message()), HasSubstr("decision #1"));
}

TEST(LoadDecisionsTest, TruncatedGzipIsAnError) {
  std::string data =
      Gzip(DecisionLine("e1", "PASS") + DecisionLine("e2", "PASS"));
  std::string path =
      WriteTestFile("cut.jsonl.gz", data.substr(0, data.size() / 2));
  absl::StatusOr<DecisionSet> set = LoadDecisions(path);
  ASSERT_FALSE(set.ok());
  EXPECT_EQ(set.status().code(), absl::StatusCode::kDataLoss) << set.status();
}

TEST(LoadDecisionsTest, MissingFileIsNotFound) {
  absl::StatusOr<DecisionSet> set = LoadDecisions("/nonexistent/d.jsonl");
  ASSERT_FALSE(set.ok());
  EXPECT_EQ(set.status().code(), absl::StatusCode::kNotFound);
  EXPECT_THAT(std::string(set.status().message()),
              HasSubstr("cannot open /nonexistent/d.jsonl"));
}

TEST(LoadDecisionsTest, ExplicitFormatOverridesTheName) {
  std::string path =
      WriteTestFile("really_proto.jsonl",
                    Delimited({MakeDecision("p1", riskflow::v1::PASS)}));
  EXPECT_FALSE(LoadDecisions(path).ok());
  absl::StatusOr<DecisionSet> set =
      LoadDecisions(path, DecisionFormat::kDelimitedProto);
  ASSERT_TRUE(set.ok()) << set.status();
  EXPECT_EQ(set->size(), 1);
  EXPECT_FALSE(ParseDecisionFormat("xml").ok());
}

TEST(DecisionSetTest, SurvivesMoveWithWorkingIndex) {
  DecisionSet a;
  ASSERT_TRUE(a.Add(MakeDecision("m1", riskflow::v1::PASS)).ok());
  DecisionSet b = std::move(a);
  ASSERT_TRUE(b.Add(MakeDecision("m2", riskflow::v1::PASS)).ok());
  EXPECT_TRUE(b.Find("card/m1").has_value());
  EXPECT_TRUE(b.Find("card/m2").has_value());
  EXPECT_EQ(b.Add(MakeDecision("m1", riskflow::v1::PASS)).code(),
            absl::StatusCode::kAlreadyExists);
}

}  // namespace
}  // namespace riskflow::report
