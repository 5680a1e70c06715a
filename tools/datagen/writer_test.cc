// EventWriter's files read back as the events written, in every format,
// and the same events always give the same bytes (gzip included).
#include "tools/datagen/writer.h"

#include <zlib.h>

#include <fstream>
#include <sstream>
#include <string>
#include <vector>

#include "google/protobuf/io/coded_stream.h"
#include "gtest/gtest.h"
#include "pipeline/replay/jsonl_reader.h"
#include "tools/datagen/generator.h"

namespace riskflow::datagen {
namespace {

using riskflow::v1::Event;

std::vector<Event> Sample() {
  GeneratorOptions o;
  o.accounts = 30;
  o.days = 5;
  o.anomaly_rate = 0.05;  // attributes, FX rates and foreign coordinates
  Generator g(o);
  std::vector<Event> events;
  Event e;
  while (g.Next(&e)) events.push_back(e);
  return events;
}

std::string Path(const std::string& name) {
  return ::testing::TempDir() + "/" + name;
}

std::string ReadPlain(const std::string& path) {
  std::ifstream in(path, std::ios::binary);
  std::stringstream s;
  s << in.rdbuf();
  return s.str();
}

std::string ReadGzip(const std::string& path) {
  gzFile gz = gzopen(path.c_str(), "rb");
  EXPECT_NE(gz, nullptr) << path;
  std::string out;
  char buf[1 << 16];
  int n;
  while ((n = gzread(gz, buf, sizeof(buf))) > 0) out.append(buf, n);
  gzclose(gz);
  return out;
}

void WriteAll(const std::string& path, Format format,
              const std::vector<Event>& events) {
  auto w = EventWriter::Open(path, format);
  ASSERT_TRUE(w.ok()) << w.status();
  for (const Event& e : events) ASSERT_TRUE((*w)->Write(e).ok());
  ASSERT_TRUE((*w)->Close().ok());
}

std::string Canonical(const Event& e) {
  std::string out;
  google::protobuf::io::StringOutputStream stream(&out);
  google::protobuf::io::CodedOutputStream coded(&stream);
  coded.SetSerializationDeterministic(true);
  e.SerializeWithCachedSizes(&coded);
  return out;
}

TEST(WriterTest, JsonParsesBackToTheSameEvent) {
  for (const Event& e : Sample()) {
    auto parsed = replay::ParseEventJson(EventToJson(e));
    ASSERT_TRUE(parsed.ok()) << parsed.status() << ": " << EventToJson(e);
    ASSERT_EQ(Canonical(*parsed), Canonical(e)) << EventToJson(e);
  }
}

TEST(WriterTest, JsonEscapesAndOmitsDefaults) {
  Event e;
  e.set_event_id("a\"b\\c\n");
  e.set_type(riskflow::v1::LOGIN);
  e.set_latitude(-33.8688);
  (*e.mutable_attributes())["z"] = "1";
  (*e.mutable_attributes())["a"] = "2";
  EXPECT_EQ(EventToJson(e),
            R"({"event_id":"a\"b\\c\n","type":"LOGIN","latitude":-33.8688,)"
            R"("attributes":{"a":"2","z":"1"}})");
}

TEST(WriterTest, JsonlAndGzipFilesHoldTheEvents) {
  const std::vector<Event> events = Sample();
  WriteAll(Path("e.jsonl"), Format::kJsonl, events);
  WriteAll(Path("e.jsonl.gz"), Format::kJsonl, events);
  const std::string plain = ReadPlain(Path("e.jsonl"));
  EXPECT_EQ(ReadGzip(Path("e.jsonl.gz")), plain);

  auto reader = replay::JsonlEventReader::Open(Path("e.jsonl"));
  ASSERT_TRUE(reader.ok());
  Event e;
  size_t n = 0;
  while (true) {
    auto more = (*reader)->Next(&e);
    ASSERT_TRUE(more.ok()) << more.status();
    if (!*more) break;
    ASSERT_LT(n, events.size());
    EXPECT_EQ(Canonical(e), Canonical(events[n++]));
  }
  EXPECT_EQ(n, events.size());
}

TEST(WriterTest, DelimitedProtoHoldsTheEvents) {
  const std::vector<Event> events = Sample();
  WriteAll(Path("e.pb"), Format::kProto, events);
  WriteAll(Path("e.pb.gz"), Format::kProto, events);
  const std::string bytes = ReadPlain(Path("e.pb"));
  EXPECT_EQ(ReadGzip(Path("e.pb.gz")), bytes);
  google::protobuf::io::CodedInputStream in(
      reinterpret_cast<const uint8_t*>(bytes.data()),
      static_cast<int>(bytes.size()));
  for (const Event& want : events) {
    uint32_t size = 0;
    ASSERT_TRUE(in.ReadVarint32(&size));
    std::string record;
    ASSERT_TRUE(in.ReadString(&record, static_cast<int>(size)));
    Event got;
    ASSERT_TRUE(got.ParseFromString(record));
    EXPECT_EQ(Canonical(got), Canonical(want));
  }
  uint32_t extra;
  EXPECT_FALSE(in.ReadVarint32(&extra));
}

TEST(WriterTest, SameEventsSameBytes) {
  const std::vector<Event> events = Sample();
  for (const char* name : {"d.jsonl.gz", "d.pb"}) {
    const Format f = *ParseFormat("", name);
    WriteAll(Path(std::string("1") + name), f, events);
    WriteAll(Path(std::string("2") + name), f, events);
    EXPECT_EQ(ReadPlain(Path(std::string("1") + name)),
              ReadPlain(Path(std::string("2") + name)))
        << name;
  }
}

TEST(WriterTest, FormatFromFlagOrExtension) {
  EXPECT_EQ(*ParseFormat("", "x.jsonl"), Format::kJsonl);
  EXPECT_EQ(*ParseFormat("", "x.jsonl.gz"), Format::kJsonl);
  EXPECT_EQ(*ParseFormat("", "x.pb"), Format::kProto);
  EXPECT_EQ(*ParseFormat("", "x.pb.gz"), Format::kProto);
  EXPECT_EQ(*ParseFormat("", "-"), Format::kJsonl);
  EXPECT_EQ(*ParseFormat("proto", "x.jsonl"), Format::kProto);
  EXPECT_FALSE(ParseFormat("xml", "x").ok());
}

TEST(WriterTest, UnwritablePathIsAnError) {
  EXPECT_FALSE(
      EventWriter::Open("/nonexistent-dir/x.jsonl", Format::kJsonl).ok());
  EXPECT_FALSE(
      EventWriter::Open("/nonexistent-dir/x.pb.gz", Format::kProto).ok());
}

}  // namespace
}  // namespace riskflow::datagen
