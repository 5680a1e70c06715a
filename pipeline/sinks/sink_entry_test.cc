#include "pipeline/sinks/sink_entry.h"

#include <string>

#include "google/protobuf/descriptor.h"
#include "google/protobuf/message.h"
#include "gtest/gtest.h"
#include "pipeline/text/utf8.h"

namespace riskflow::sinks {
namespace {

using riskflow::v1::Annotation;
using riskflow::v1::Decision;

const std::string kBad = "bad\xff\xfe";

Decision Sample() {
  Decision d;
  d.set_decision_id("card/ev-1");
  d.set_event_id("ev-1");
  d.set_sequence(84);
  d.add_routes(riskflow::v1::FREEZE);
  d.add_routes(riskflow::v1::NOTIFY);
  d.set_route(riskflow::v1::FREEZE);
  d.set_late(true);
  Annotation* a = d.add_annotations();
  a->set_detector("vel");
  a->set_score(0.75);
  a->set_reason_code("VELOCITY");
  a->set_message("ok");
  a->set_route(riskflow::v1::FREEZE);
  auto* e = a->add_evidence();
  e->set_key("count");
  e->set_value("12");
  return d;
}

// What an older build stored: a string field with invalid UTF-8, which
// proto3 serializes but will not parse.
std::string LegacyBytes() {
  Decision d = Sample();
  d.mutable_annotations(0)->set_reason_code(kBad);
  d.mutable_annotations(0)->mutable_evidence(0)->set_value(kBad);
  std::string bytes;
  d.SerializeToString(&bytes);
  return bytes;
}

TEST(SinkEntryTest, StrictParseOfLegacyBytesFailsThatIsTheBug) {
  Decision d;
  EXPECT_FALSE(d.ParseFromString(LegacyBytes()));
}

TEST(SinkEntryTest, EncodeRepairsStringsSoTheBytesParse) {
  Decision d = Sample();
  d.mutable_annotations(0)->set_message(kBad);
  std::string bytes;
  EncodeDecision(&d, &bytes);
  Decision back;
  ASSERT_TRUE(back.ParseFromString(bytes));
  EXPECT_TRUE(text::IsValidUtf8(back.annotations(0).message()));
  EXPECT_EQ(back.annotations(0).message(), "bad\xEF\xBF\xBD\xEF\xBF\xBD");
  EXPECT_EQ(back.annotations(0).message(), d.annotations(0).message());
}

TEST(SinkEntryTest, DecodeRepairsLegacyEntriesKeepingEveryField) {
  Decision d;
  ASSERT_EQ(DecodeDecision(LegacyBytes(), "outbox FREEZE entry 84", &d),
            DecodeResult::kRepaired);
  EXPECT_EQ(d.decision_id(), "card/ev-1");
  EXPECT_EQ(d.sequence(), 84u);
  ASSERT_EQ(d.routes_size(), 2);  // packed repeated enum
  EXPECT_EQ(d.routes(1), riskflow::v1::NOTIFY);
  EXPECT_EQ(d.route(), riskflow::v1::FREEZE);
  EXPECT_TRUE(d.late());
  ASSERT_EQ(d.annotations_size(), 2);
  const Annotation& a = d.annotations(0);
  EXPECT_EQ(a.score(), 0.75);  // fixed64
  EXPECT_EQ(a.reason_code(), "bad\xEF\xBF\xBD\xEF\xBF\xBD");
  EXPECT_EQ(a.evidence(0).key(), "count");
  EXPECT_TRUE(text::IsValidUtf8(a.evidence(0).value()));
  EXPECT_EQ(d.annotations(1).reason_code(), kEntryRepaired);
  EXPECT_NE(d.annotations(1).message().find("outbox FREEZE entry 84"),
            std::string::npos);
  // And the repaired decision is storable again.
  std::string bytes;
  ASSERT_TRUE(d.SerializeToString(&bytes));
  Decision again;
  EXPECT_TRUE(again.ParseFromString(bytes));
}

TEST(SinkEntryTest, GarbageBecomesAPlaceholder) {
  Decision d;
  const std::string garbage("\xff\xff\xff\xff\xff\xff\xff\xff\xff\xff\x01", 11);
  ASSERT_EQ(DecodeDecision(garbage, "decision 7", &d),
            DecodeResult::kUnreadable);
  ASSERT_EQ(d.annotations_size(), 1);
  EXPECT_EQ(d.annotations(0).reason_code(), kEntryUnreadable);
  EXPECT_TRUE(d.annotations(0).degraded());
  EXPECT_NE(d.annotations(0).message().find("decision 7 (11 bytes)"),
            std::string::npos);
}

TEST(SinkEntryTest, GoodBytesDecodeUnchanged) {
  Decision d = Sample(), back;
  std::string bytes;
  EncodeDecision(&d, &bytes);
  ASSERT_EQ(DecodeDecision(bytes, "x", &back), DecodeResult::kOk);
  EXPECT_EQ(back.SerializeAsString(), bytes);
}

TEST(SinkEntryTest, OversizedDecisionIsCutKeepingRoutes) {
  Decision d = Sample();
  for (int i = 0; i < 1000; ++i) {
    Annotation* a = d.add_annotations();
    a->set_detector("d" + std::to_string(i));
    a->set_reason_code("R");
    a->set_message(std::string(1000, 'm'));
    a->set_route(riskflow::v1::NOTIFY);
  }
  std::string bytes;
  EncodeDecision(&d, &bytes, 4096);
  EXPECT_LE(bytes.size(), 4096u);
  Decision back;
  ASSERT_TRUE(back.ParseFromString(bytes));
  EXPECT_EQ(back.routes_size(), 2);
  EXPECT_EQ(back.route(), riskflow::v1::FREEZE);
  EXPECT_EQ(back.decision_id(), "card/ev-1");
  const Annotation& note = back.annotations(back.annotations_size() - 1);
  EXPECT_EQ(note.reason_code(), kEntryTruncated);
  EXPECT_NE(note.message().find("and the last"), std::string::npos);
  EXPECT_EQ(back.annotations(0).reason_code(), "VELOCITY");
  EXPECT_TRUE(back.annotations(0).message().empty());

  // Only messages dropped when that is enough.
  Decision small = Sample();
  small.mutable_annotations(0)->set_message(std::string(5000, 'm'));
  EncodeDecision(&small, &bytes, 4096);
  ASSERT_TRUE(back.ParseFromString(bytes));
  ASSERT_EQ(back.annotations_size(), 2);
  EXPECT_EQ(back.annotations(1).reason_code(), kEntryTruncated);
  EXPECT_EQ(back.annotations(1).message().find("and the last"),
            std::string::npos);
}

// Every string field of Decision and its nested messages, found by
// reflection, must be covered by the hand-written fast check: a field added
// to decision.proto without updating AllStringsValid fails here.
void SetEachStringInvalid(google::protobuf::Message* m, Decision* root,
                          int* checked) {
  const google::protobuf::Descriptor* d = m->GetDescriptor();
  const google::protobuf::Reflection* r = m->GetReflection();
  for (int i = 0; i < d->field_count(); ++i) {
    const google::protobuf::FieldDescriptor* f = d->field(i);
    if (f->type() == google::protobuf::FieldDescriptor::TYPE_STRING) {
      ASSERT_FALSE(f->is_repeated()) << f->full_name();
      r->SetString(m, f, kBad);
      EXPECT_FALSE(AllStringsValid(*root)) << f->full_name();
      r->SetString(m, f, "ok");
      EXPECT_TRUE(AllStringsValid(*root)) << f->full_name();
      ++*checked;
    } else if (f->type() == google::protobuf::FieldDescriptor::TYPE_MESSAGE) {
      google::protobuf::Message* sub =
          f->is_repeated() ? r->AddMessage(m, f) : r->MutableMessage(m, f);
      SetEachStringInvalid(sub, root, checked);
    }
  }
}

// Replay publishes without storing: the decision must end up exactly as the
// stored one would.
TEST(SinkEntryTest, MakeStorableEqualsWhatEncodeStores) {
  Decision big = Sample();
  big.mutable_annotations(0)->set_message(std::string(5000, 'm') + kBad);
  Decision stored = big, published = big;
  std::string bytes;
  EncodeDecision(&stored, &bytes, 4096);
  MakeStorable(&published, 4096);
  EXPECT_EQ(published.SerializeAsString(), bytes);
  EXPECT_EQ(published.annotations_size(), 2);
}

TEST(SinkEntryTest, FastCheckCoversEveryStringField) {
  Decision d;
  int checked = 0;
  SetEachStringInvalid(&d, &d, &checked);
  EXPECT_GE(checked, 14);
}

}  // namespace
}  // namespace riskflow::sinks
