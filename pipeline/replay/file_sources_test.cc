// JSONL, CSV and length-delimited protobuf sources, plain and gzip'd.
#include <zlib.h>

#include <fstream>
#include <string>
#include <vector>

#include "absl/strings/str_cat.h"
#include "gmock/gmock.h"
#include "gtest/gtest.h"
#include "pipeline/replay/csv_source.h"
#include "pipeline/replay/delimited.h"
#include "pipeline/replay/event_source.h"
#include "pipeline/storage/test_util.h"

namespace riskflow::replay {
namespace {

using ::testing::EndsWith;
using ::testing::HasSubstr;
using ::testing::StartsWith;

class FileSourcesTest : public ::testing::Test {
 protected:
  std::string Write(const std::string& name, const std::string& bytes) {
    std::string path = dir_.path() + "/" + name;
    std::ofstream(path, std::ios::binary) << bytes;
    return path;
  }
  // gzip members, concatenated as `cat a.gz b.gz` would.
  std::string WriteGzip(const std::string& name,
                        const std::vector<std::string>& members) {
    std::string path = dir_.path() + "/" + name;
    std::remove(path.c_str());
    for (const std::string& m : members) {
      gzFile f = gzopen(path.c_str(), "ab");
      gzwrite(f, m.data(), static_cast<unsigned>(m.size()));
      gzclose(f);
    }
    return path;
  }
  std::unique_ptr<EventSource> Open(const std::string& path,
                                    std::string csv_map = "") {
    FileSourceOptions options;
    options.path = path;
    options.csv_map = std::move(csv_map);
    auto source = OpenFileSource(options);
    EXPECT_TRUE(source.ok()) << source.status();
    return source.ok() ? *std::move(source) : nullptr;
  }
  // Reads everything; errors are kept as "ERR: message" in event order.
  std::vector<std::string> Drain(EventSource* source) {
    std::vector<std::string> out;
    riskflow::v1::Event e;
    while (true) {
      absl::StatusOr<bool> more = source->Next(&e);
      if (!more.ok()) {
        out.push_back("ERR: " + std::string(more.status().message()));
        if (more.status().code() != absl::StatusCode::kInvalidArgument) break;
        continue;
      }
      if (!*more) break;
      out.push_back(e.ShortDebugString());
    }
    return out;
  }

  storage::ScopedTempDir dir_;
};

constexpr char kJsonl[] =
    "# comment\n"
    "{\"event_id\":\"e1\",\"channel_id\":\"c\",\"type\":\"PAYOUT\","
    "\"amount_minor\":5}\n"
    "\n"
    "{\"event_id\":\"e2\",\"ammount_minor\":5}\n"
    "{\"event_id\":\"e3\",\"account_id\":\"a\"}\n";

TEST_F(FileSourcesTest, JsonlSkipsBadLinesWithTheirPosition) {
  auto source = Open(Write("in.jsonl", kJsonl));
  ASSERT_NE(source, nullptr);
  std::vector<std::string> got = Drain(source.get());
  ASSERT_EQ(got.size(), 3u);
  EXPECT_THAT(got[0], HasSubstr("event_id: \"e1\""));
  EXPECT_THAT(got[1], StartsWith("ERR: "));
  EXPECT_THAT(got[1], HasSubstr("in.jsonl:4: invalid JSON: unknown field "
                                "\"ammount_minor\""));
  EXPECT_THAT(got[2], HasSubstr("event_id: \"e3\""));
  EXPECT_THAT(source->Position(), HasSubstr("in.jsonl:5"));
}

TEST_F(FileSourcesTest, GzipIsDetectedByMagicBytesAndMembersConcatenate) {
  // No .gz suffix: the content decides.
  std::string path = WriteGzip("in.jsonl", {"# a\n{\"event_id\":\"e1\"}\n",
                                            "{\"event_id\":\"e2\"}\n"});
  auto source = Open(path);
  ASSERT_NE(source, nullptr);
  std::vector<std::string> got = Drain(source.get());
  ASSERT_EQ(got.size(), 2u);
  EXPECT_EQ(got[0], "event_id: \"e1\"");
  EXPECT_EQ(got[1], "event_id: \"e2\"");
  std::optional<SourceProgress> p = source->Progress();
  ASSERT_TRUE(p.has_value());
  EXPECT_EQ(p->done, p->total);
}

TEST_F(FileSourcesTest, TruncatedGzipIsAnErrorNotAShortFile) {
  std::string big;
  for (int i = 0; i < 5000; ++i) {
    big += "{\"event_id\":\"e" + std::to_string(i) + "\"}\n";
  }
  std::string gz = WriteGzip("full.jsonl.gz", {big});
  std::ifstream in(gz, std::ios::binary);
  std::string bytes((std::istreambuf_iterator<char>(in)), {});
  auto source = Open(Write("cut.jsonl.gz", bytes.substr(0, bytes.size() / 2)));
  ASSERT_NE(source, nullptr);
  std::vector<std::string> got = Drain(source.get());
  ASSERT_FALSE(got.empty());
  EXPECT_THAT(got.back(), HasSubstr("cut.jsonl.gz: truncated gzip data"));
}

TEST_F(FileSourcesTest, CsvWithMappingQuotingAndAttributes) {
  std::string path = Write(
      "in.csv",
      "\xEF\xBB\xBFid,acct,amount,kind,note,is_fraud,when\r\n"
      "p1,a1,1500,payout,\"plain, with comma\",1,1767225600000\r\n"
      "p2,\"a\"\"2\",7,PAYMENT,\"two\nlines\",,1767225600001\r\n"
      "\r\n"
      "p3,a3,12x,PAYMENT,n,0,1767225600002\n"
      "p4,a4,9,PAYMENT,n\n"
      "p5,a5,9,BOGUS,n,0,1\n"
      "p6,a6,9,LOGIN,n,0,1\n"
      "p7,a\xff,9,LOGIN,n,0,1\n");
  auto source = Open(path,
                     "event_id=id,account_id=acct,amount_minor=amount,"
                     "type=kind,attributes.label=is_fraud,event_time_ms=when");
  ASSERT_NE(source, nullptr);
  std::vector<std::string> got = Drain(source.get());
  ASSERT_EQ(got.size(), 7u) << ::testing::PrintToString(got);
  EXPECT_EQ(got[0],
            "event_id: \"p1\" type: PAYOUT event_time_ms: 1767225600000 "
            "account_id: \"a1\" amount_minor: 1500 attributes { key: "
            "\"label\" value: \"1\" }");
  // "" inside quotes is a quote; the empty is_fraud cell sets nothing.
  EXPECT_EQ(got[1],
            "event_id: \"p2\" type: PAYMENT event_time_ms: 1767225600001 "
            "account_id: \"a\\\"2\" amount_minor: 7");
  // The quoted newline made p2 span lines 3-4, the blank line is 5.
  EXPECT_THAT(got[2],
              EndsWith("/in.csv:6: amount_minor: not an integer, got \"12x\""));
  EXPECT_THAT(got[3], EndsWith("/in.csv:7: 5 fields, but the header has 7"));
  EXPECT_THAT(got[4],
              EndsWith("/in.csv:8: type: not a value name, got \"BOGUS\""));
  EXPECT_THAT(got[5], HasSubstr("event_id: \"p6\" type: LOGIN"));
  EXPECT_THAT(got[6], EndsWith("/in.csv:10: account_id: not valid UTF-8"));
}

TEST_F(FileSourcesTest, CsvHeaderNamesFieldsWhenThereIsNoMapping) {
  auto source = Open(Write("h.csv",
                           "event_id,amount_minor,attributes.label\n"
                           "e1,5,fraud\n"));
  ASSERT_NE(source, nullptr);
  EXPECT_EQ(Drain(source.get()),
            std::vector<std::string>{
                "event_id: \"e1\" amount_minor: 5 attributes { key: "
                "\"label\" value: \"fraud\" }"});
}

TEST_F(FileSourcesTest, CsvMappingErrorsNameTheFieldOrColumn) {
  FileSourceOptions options;
  options.path = Write("m.csv", "id,amt\ne1,5\n");
  options.csv_map = "event_id=id,ammount_minor=amt";
  auto source = OpenFileSource(options);
  ASSERT_FALSE(source.ok());
  EXPECT_EQ(source.status().message(),
            "--csv_map: unknown event field \"ammount_minor\" (use a "
            "riskflow.v1.Event field name such as amount_minor, or "
            "attributes.KEY)");

  options.csv_map = "event_id=id,amount_minor=amount";
  source = OpenFileSource(options);
  ASSERT_FALSE(source.ok());
  EXPECT_THAT(source.status().message(),
              HasSubstr("column \"amount\" (for amount_minor) is not in the "
                        "header of"));

  options.csv_map = "event_id";
  EXPECT_THAT(OpenFileSource(options).status().message(),
              HasSubstr("\"event_id\" is not event_field=column"));

  options.csv_map = "";
  EXPECT_THAT(OpenFileSource(options).status().message(),
              HasSubstr("header column \"id\" is not an event field"));
}

TEST_F(FileSourcesTest, CsvUnclosedQuoteEndsTheSource) {
  auto source = Open(Write("q.csv", "event_id,account_id\ne1,\"open\ne2,x\n"));
  ASSERT_NE(source, nullptr);
  std::vector<std::string> got = Drain(source.get());
  ASSERT_EQ(got.size(), 1u);
  EXPECT_THAT(got[0], EndsWith("/q.csv:2: a quoted field is never closed"));
}

TEST_F(FileSourcesTest, LengthDelimitedProtoPlainAndGzip) {
  std::string bytes;
  riskflow::v1::Event e;
  e.set_event_id("e1");
  (*e.mutable_attributes())["b"] = "2";
  (*e.mutable_attributes())["a"] = "1";
  AppendDelimited(e, &bytes);
  bytes += std::string("\x03\xff\xff\xff", 4);  // a record that is no Event
  e.Clear();
  e.set_event_id("e2");
  AppendDelimited(e, &bytes);
  for (const std::string& path :
       {Write("in.pb", bytes), WriteGzip("in.pb.gz", {bytes})}) {
    auto source = Open(path);
    ASSERT_NE(source, nullptr);
    std::vector<std::string> got = Drain(source.get());
    ASSERT_EQ(got.size(), 3u) << path;
    EXPECT_THAT(got[0], StartsWith("event_id: \"e1\""));
    EXPECT_THAT(got[1], HasSubstr(": record 2 (byte 23): not a valid "
                                  "riskflow.v1.Event"));
    EXPECT_EQ(got[2], "event_id: \"e2\"");
  }
  // A record cut short is the end of the source, not a bad record.
  auto source = Open(Write("cut.pb", bytes.substr(0, bytes.size() - 1)));
  std::vector<std::string> got = Drain(source.get());
  EXPECT_THAT(got.back(), HasSubstr("cut.pb: record 3 (byte 27): truncated"));
}

// Records are parsed in place when whole in the file's 256 KiB buffer and
// copied out when they straddle its end: every record of a file several
// buffers long, with lengths of one to three varint bytes, comes back
// intact and in order, and positions count every byte.
TEST_F(FileSourcesTest, LengthDelimitedProtoAcrossBufferBoundaries) {
  std::string bytes;
  std::vector<std::string> expected;
  riskflow::v1::Event e;
  for (int i = 0; i < 3000; ++i) {
    e.Clear();
    e.set_event_id("e" + std::to_string(i));
    e.set_account_id(std::string(static_cast<size_t>(i * 37 % 400), 'a'));
    if (i % 500 == 0) e.set_counterparty(std::string(20000, 'c'));
    AppendDelimited(e, &bytes);
    expected.push_back(e.ShortDebugString());
  }
  bytes += std::string("\x02\xff\xff", 3);  // a last record that is no Event
  for (const std::string& path :
       {Write("big.pb", bytes), WriteGzip("big.pb.gz", {bytes})}) {
    auto source = Open(path);
    ASSERT_NE(source, nullptr);
    riskflow::v1::Event got;
    for (size_t i = 0; i < expected.size(); ++i) {
      absl::StatusOr<bool> more = source->Next(&got);
      ASSERT_TRUE(more.ok() && *more) << path << " record " << i;
      ASSERT_EQ(got.ShortDebugString(), expected[i]) << path << " " << i;
    }
    absl::StatusOr<bool> bad = source->Next(&got);
    ASSERT_FALSE(bad.ok());
    EXPECT_THAT(std::string(bad.status().message()),
                HasSubstr(absl::StrCat(": record 3001 (byte ",
                                       bytes.size() - 3, "): not a valid")));
    absl::StatusOr<bool> end = source->Next(&got);
    ASSERT_TRUE(end.ok());
    EXPECT_FALSE(*end);
  }
}

TEST_F(FileSourcesTest, DelimitedBytesAreDeterministic) {
  riskflow::v1::Event a, b;
  (*a.mutable_attributes())["x"] = "1";
  (*a.mutable_attributes())["y"] = "2";
  (*b.mutable_attributes())["y"] = "2";
  (*b.mutable_attributes())["x"] = "1";
  std::string ba, bb;
  AppendDelimited(a, &ba);
  AppendDelimited(b, &bb);
  EXPECT_EQ(ba, bb);
}

TEST_F(FileSourcesTest, FormatsFromNamesAndFlags) {
  EXPECT_EQ(FormatFromName("a/b.jsonl.gz"), FileFormat::kJsonl);
  EXPECT_EQ(FormatFromName("x.CSV"), FileFormat::kCsv);
  EXPECT_EQ(FormatFromName("x.pb"), FileFormat::kProto);
  EXPECT_EQ(FormatFromName("x.txt"), std::nullopt);
  EXPECT_EQ(*ParseFileFormat("proto"), FileFormat::kProto);
  EXPECT_EQ(ParseFileFormat("xml").status().message(),
            "unknown input format \"xml\" (expected jsonl, csv or proto)");
  FileSourceOptions options;
  options.path = Write("x.txt", "");
  EXPECT_THAT(OpenFileSource(options).status().message(),
              HasSubstr("pass --format jsonl|csv|proto"));
  options.path = dir_.path() + "/missing.jsonl";
  EXPECT_TRUE(absl::IsNotFound(OpenFileSource(options).status()));
}

}  // namespace
}  // namespace riskflow::replay
