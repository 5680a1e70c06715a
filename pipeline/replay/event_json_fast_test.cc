// Randomised differential tests of the simdjson fast path
// (event_json_fast.h) against protobuf's JSON parser, which is the
// authority (the contract: event_json_differential.h): random events printed
// every way, mutated lines, random number tokens and string escapes.
// Hand-written edge lines are in event_json_edge_test.cc.
#include "pipeline/replay/event_json_fast.h"

#include <algorithm>
#include <cmath>
#include <cstdint>
#include <cstdio>
#include <cstring>
#include <limits>
#include <map>
#include <random>
#include <string>
#include <vector>

#include "absl/status/statusor.h"
#include "google/protobuf/util/json_util.h"
#include "gtest/gtest.h"
#include "pipeline/replay/event_json_differential.h"
#include "pipeline/replay/jsonl_reader.h"
#include "proto/riskflow/v1/event.pb.h"

namespace riskflow::replay {
namespace {

namespace pb = ::google::protobuf;
using ::riskflow::v1::Event;
using Rng = std::mt19937_64;

struct Counts {
  int lines = 0;
  int handled = 0;  // taken by the fast path
};

// --- random events --------------------------------------------------------

void AppendUtf8(uint32_t cp, std::string* out) {
  if (cp < 0x80) {
    out->push_back(static_cast<char>(cp));
  } else if (cp < 0x800) {
    out->push_back(static_cast<char>(0xC0 | (cp >> 6)));
    out->push_back(static_cast<char>(0x80 | (cp & 0x3F)));
  } else if (cp < 0x10000) {
    out->push_back(static_cast<char>(0xE0 | (cp >> 12)));
    out->push_back(static_cast<char>(0x80 | ((cp >> 6) & 0x3F)));
    out->push_back(static_cast<char>(0x80 | (cp & 0x3F)));
  } else {
    out->push_back(static_cast<char>(0xF0 | (cp >> 18)));
    out->push_back(static_cast<char>(0x80 | ((cp >> 12) & 0x3F)));
    out->push_back(static_cast<char>(0x80 | ((cp >> 6) & 0x3F)));
    out->push_back(static_cast<char>(0x80 | (cp & 0x3F)));
  }
}

template <typename T>
T Pick(Rng& rng, const std::vector<T>& options) {
  return options[std::uniform_int_distribution<size_t>(
      0, options.size() - 1)(rng)];
}

int Uniform(Rng& rng, int lo, int hi) {
  return std::uniform_int_distribution<int>(lo, hi)(rng);
}

// Valid UTF-8 (proto3 strings must be), but otherwise anything: quotes,
// backslashes, every control character, characters protobuf's printer
// escapes (U+2028, U+00AD, '<'), other BMP and supplementary characters.
std::string RandomString(Rng& rng) {
  static const std::vector<uint32_t> kSpecial = {
      '"',  '\\', '/',  '\b', '\f', '\n', '\r', '\t', 0x00, 0x01,
      0x1f, 0x7f, '<',  '>',  '&',  '\'', '=',  ' ',  0x80, 0x9f,
      0xad, 0xe9, 0x600, 0x2028, 0x2029, 0x200b, 0xfeff, 0xfffd, 0xffff,
      0x4e2d, 0x10000, 0x1d173, 0x1f600, 0xe0001, 0x10ffff};
  std::string s;
  const int length = Uniform(rng, 0, 3) == 0 ? 0 : Uniform(rng, 1, 14);
  for (int i = 0; i < length; ++i) {
    uint32_t cp;
    switch (Uniform(rng, 0, 5)) {
      case 0:
        cp = Pick(rng, kSpecial);
        break;
      case 1:
        cp = Uniform(rng, 0, 0x1f);
        break;
      case 2:
        do {
          cp = Uniform(rng, 0x80, 0xffff);
        } while (cp >= 0xd800 && cp <= 0xdfff);
        break;
      case 3:
        cp = Uniform(rng, 0x10000, 0x10ffff);
        break;
      default:
        cp = Uniform(rng, 0x20, 0x7e);
        break;
    }
    AppendUtf8(cp, &s);
  }
  return s;
}

int64_t RandomInt64(Rng& rng) {
  constexpr int64_t kMin = std::numeric_limits<int64_t>::min();
  constexpr int64_t kMax = std::numeric_limits<int64_t>::max();
  switch (Uniform(rng, 0, 4)) {
    case 0:
      return Pick<int64_t>(rng, {kMin, kMin + 1, -1, 0, 1, kMax - 1, kMax,
                                 int64_t{1} << 53, (int64_t{1} << 53) + 1,
                                 -(int64_t{1} << 53) - 1, 1767225600052});
    case 1:
      return static_cast<int64_t>(rng());
    case 2:
      return Uniform(rng, -1000, 1000);
    default:  // timestamps and amounts
      return std::uniform_int_distribution<int64_t>(0, int64_t{1} << 42)(rng);
  }
}

double RandomDouble(Rng& rng) {
  std::uniform_real_distribution<double> unit(0.0, 1.0);
  const double sign = Uniform(rng, 0, 1) == 0 ? 1.0 : -1.0;
  switch (Uniform(rng, 0, 19)) {
    case 0:
    case 10:
      return 0.0;
    case 1:
      return -0.0;
    case 2:  // latitude/longitude
      return sign * unit(rng) * 180.0;
    case 3:  // integer-valued, small and past 2^53
      return Uniform(rng, 0, 1) == 0
                 ? sign * Uniform(rng, 0, 100000)
                 : static_cast<double>(static_cast<int64_t>(rng()) >> 2);
    case 4:  // tiny, including subnormals
      return sign * Pick<double>(rng, {std::numeric_limits<double>::min(),
                                       std::numeric_limits<double>::denorm_min(),
                                       1e-310 * unit(rng), 1e-300 * unit(rng),
                                       2.2250738585072009e-308});
    case 5:  // huge
      return sign * Pick<double>(rng, {std::numeric_limits<double>::max(),
                                       1e300 * unit(rng), 1e22, 1e21, 1e16,
                                       18446744073709551616.0});
    case 6: {  // any finite bit pattern
      double d;
      do {
        const uint64_t bits = rng();
        std::memcpy(&d, &bits, sizeof(d));
      } while (!std::isfinite(d));
      return d;
    }
    case 7:  // an FX rate with four decimals
      return std::round(unit(rng) * 100000.0) / 10000.0;
    case 8:  // printed as "NaN" / "Infinity": always the general path
      return Pick<double>(rng, {std::numeric_limits<double>::quiet_NaN(),
                                std::numeric_limits<double>::infinity(),
                                -std::numeric_limits<double>::infinity()});
    case 9:
      return sign * unit(rng) * std::pow(10.0, Uniform(rng, -30, 30));
    default:  // the common case: a coordinate or rate with a few decimals
      return sign * std::round(unit(rng) * 1e6) / 1e4;
  }
}

Event RandomEvent(Rng& rng) {
  Event e;
  // Each field is left at its default about a third of the time, so
  // always_print_primitive_fields has zeros and empty strings to print.
  auto maybe = [&rng] { return Uniform(rng, 0, 2) != 0; };
  if (maybe()) e.set_event_id(RandomString(rng));
  if (maybe()) e.set_channel_id(RandomString(rng));
  const pb::EnumDescriptor* types = riskflow::v1::EventType_descriptor();
  e.set_type(static_cast<riskflow::v1::EventType>(
      types->value(Uniform(rng, 0, types->value_count() - 1))->number()));
  if (maybe()) e.set_event_time_ms(RandomInt64(rng));
  if (maybe()) e.set_account_id(RandomString(rng));
  if (maybe()) e.set_counterparty(RandomString(rng));
  if (maybe()) e.set_amount_minor(RandomInt64(rng));
  if (maybe()) e.set_currency(RandomString(rng));
  if (maybe()) e.set_source_amount_minor(RandomInt64(rng));
  if (maybe()) e.set_source_currency(RandomString(rng));
  if (maybe()) e.set_fx_rate(RandomDouble(rng));
  if (maybe()) e.set_country(RandomString(rng));
  if (maybe()) e.set_counterparty_country(RandomString(rng));
  if (maybe()) e.set_latitude(RandomDouble(rng));
  if (maybe()) e.set_longitude(RandomDouble(rng));
  if (maybe()) e.set_ip(RandomString(rng));
  if (maybe()) e.set_device_id(RandomString(rng));
  const int attributes = Uniform(rng, 0, 5);
  for (int i = 0; i < attributes; ++i) {
    // An empty key is declined by the fast path; keep it but rare.
    std::string key = RandomString(rng);
    if (key.empty() && Uniform(rng, 0, 9) != 0) key = "label";
    (*e.mutable_attributes())[key] = RandomString(rng);
  }
  return e;
}

// A JSON string as a hand-written file would have it: raw UTF-8, escapes
// only where JSON requires them.
void AppendJsonString(const std::string& s, std::string* out) {
  out->push_back('"');
  for (unsigned char c : s) {
    if (c == '"' || c == '\\') {
      out->push_back('\\');
      out->push_back(static_cast<char>(c));
    } else if (c < 0x20) {
      char buf[8];
      std::snprintf(buf, sizeof(buf), "\\u%04x", c);
      out->append(buf);
    } else {
      out->push_back(static_cast<char>(c));
    }
  }
  out->push_back('"');
}

// tools/sample/events.jsonl's style, which MessageToJsonString never
// produces: proto names, integers as bare numbers, doubles as %.17g.
// Returns false for a double JSON cannot hold (NaN, infinities).
bool SampleStyleJson(const Event& e, std::string* out) {
  out->assign("{");
  bool first = true;
  auto key = [&](const char* name) {
    if (!first) out->push_back(',');
    first = false;
    AppendJsonString(name, out);
    out->push_back(':');
  };
  const pb::Descriptor* d = e.GetDescriptor();
  const pb::Reflection* r = e.GetReflection();
  for (int i = 0; i < d->field_count(); ++i) {
    const pb::FieldDescriptor* f = d->field(i);
    if (f->is_map()) {
      if (e.attributes().empty()) continue;
      key(f->name().c_str());
      out->push_back('{');
      bool first_entry = true;
      // Sorted: protobuf's Map iterates in a per-instance random order.
      const std::map<std::string, std::string> sorted(e.attributes().begin(),
                                                      e.attributes().end());
      for (const auto& [k, v] : sorted) {
        if (!first_entry) out->push_back(',');
        first_entry = false;
        AppendJsonString(k, out);
        out->push_back(':');
        AppendJsonString(v, out);
      }
      out->push_back('}');
      continue;
    }
    if (!r->HasField(e, f)) continue;
    key(f->name().c_str());
    switch (f->cpp_type()) {
      case pb::FieldDescriptor::CPPTYPE_STRING:
        AppendJsonString(r->GetString(e, f), out);
        break;
      case pb::FieldDescriptor::CPPTYPE_INT64:
        out->append(std::to_string(r->GetInt64(e, f)));
        break;
      case pb::FieldDescriptor::CPPTYPE_DOUBLE: {
        const double v = r->GetDouble(e, f);
        if (!std::isfinite(v)) return false;
        char buf[40];
        std::snprintf(buf, sizeof(buf), "%.17g", v);
        out->append(buf);
        break;
      }
      case pb::FieldDescriptor::CPPTYPE_ENUM:
        AppendJsonString(r->GetEnum(e, f)->name(), out);
        break;
      default:
        ADD_FAILURE() << "unexpected field type " << f->name();
        return false;
    }
  }
  out->push_back('}');
  return true;
}

std::vector<std::string> PrintedForms(const Event& event) {
  std::vector<std::string> lines;
  for (bool proto_names : {true, false}) {
    for (bool all_fields : {true, false}) {
      pb::util::JsonPrintOptions options;
      options.preserve_proto_field_names = proto_names;
      options.always_print_primitive_fields = all_fields;
      std::string json;
      EXPECT_TRUE(pb::util::MessageToJsonString(event, &json, options).ok());
      lines.push_back(json);
    }
  }
  // Pretty-printed, folded onto one line: spaces between every token.
  pb::util::JsonPrintOptions pretty;
  pretty.add_whitespace = true;
  std::string json;
  EXPECT_TRUE(pb::util::MessageToJsonString(event, &json, pretty).ok());
  for (char& c : json) {
    if (c == '\n') c = ' ';
  }
  lines.push_back(json);
  if (SampleStyleJson(event, &json)) lines.push_back(json);
  return lines;
}

TEST(EventJsonFastTest, FastPathIsEnabledForThisEventMessage) {
  // Off means Event changed and event_json_fast.cc needs its field table
  // updated; everything would still parse, only slower.
  EXPECT_TRUE(EventJsonFastPathEnabled());
}

TEST(EventJsonFastTest, RandomEventsMatchProtobufEveryWayTheyArePrinted) {
  Rng rng(20261121);
  Counts counts;
  int roundtrip_checked = 0;
  for (int i = 0; i < 3000 && !::testing::Test::HasFailure(); ++i) {
    const Event event = RandomEvent(rng);
    for (const std::string& line : PrintedForms(event)) {
      ++counts.lines;
      if (ExpectSameAsProtobuf(line)) ++counts.handled;
    }
    // Sanity of the generator: protobuf reads its own output back (up to
    // -0.0, which it prints as "-0" and reads as 0, and NaN).
    absl::StatusOr<Event> back = ParseEventJson(PrintedForms(event)[0]);
    ASSERT_TRUE(back.ok()) << back.status();
    if (Bytes(*back) == Bytes(event)) ++roundtrip_checked;
  }
  std::printf("%d lines, %d (%.1f%%) by the fast path; %d exact round trips\n",
              counts.lines, counts.handled,
              100.0 * counts.handled / counts.lines, roundtrip_checked);
  // Declines are for NaN, infinities, -0.0, integer-valued doubles past
  // 10^15 and empty attribute keys; most lines must still take the fast
  // path.
  EXPECT_GT(counts.handled, counts.lines * 6 / 10);
}

// Random edits of valid lines: protobuf accepts some, rejects most; either
// way ParseEventJson must agree with it. (MessageToJsonString prints map
// entries in a random order per process, so the lines vary a little from
// run to run; a failure prints its line.)
TEST(EventJsonFastTest, MutatedLinesMatchProtobuf) {
  Rng rng(7);
  static const std::string kAlphabet =
      "{}[]\":,\\ 0123456789-+.eEtrufalsnu\x01\x7f\xff\xc3\xa9";
  int lines = 0;
  int accepted = 0;
  int handled = 0;
  for (int i = 0; i < 1500 && !::testing::Test::HasFailure(); ++i) {
    const Event event = RandomEvent(rng);
    for (const std::string& printed : PrintedForms(event)) {
      std::string line = printed;
      const int edits = Uniform(rng, 1, 3);
      for (int k = 0; k < edits && !line.empty(); ++k) {
        const size_t at = std::uniform_int_distribution<size_t>(
            0, line.size() - 1)(rng);
        const char c = kAlphabet[Uniform(rng, 0, kAlphabet.size() - 1)];
        switch (Uniform(rng, 0, 4)) {
          case 0:
            line.erase(at, 1);
            break;
          case 1:
            line.insert(line.begin() + at, c);
            break;
          case 2:
            line[at] = c;
            break;
          case 3:
            line.resize(at);
            break;
          default: {  // repeat a stretch: duplicate keys, doubled values
            const size_t n = std::uniform_int_distribution<size_t>(
                1, std::min<size_t>(40, line.size() - at))(rng);
            line.insert(at, line.substr(at, n));
            break;
          }
        }
      }
      ++lines;
      if (ExpectSameAsProtobuf(line)) ++handled;
      if (ParseEventJsonGeneral(line).ok()) ++accepted;
    }
  }
  std::printf("%d mutated lines, %d accepted by protobuf, %d by the fast path\n",
              lines, accepted, handled);
}

// Number tokens built from random pieces (signs, leading zeros, 1-30
// digits, fractions, exponents, junk) in an int64 and a double field.
TEST(EventJsonFastTest, RandomNumberTokensMatchProtobuf) {
  Rng rng(99);
  auto digits = [&rng](int n) {
    std::string d;
    for (int i = 0; i < n; ++i) d.push_back(static_cast<char>('0' + Uniform(rng, 0, 9)));
    return d;
  };
  int handled = 0;
  const int kTokens = 6000;
  for (int i = 0; i < kTokens && !::testing::Test::HasFailure(); ++i) {
    std::string token;
    if (Uniform(rng, 0, 1) == 0) token += '-';
    if (Uniform(rng, 0, 9) == 0) token += '+';
    if (Uniform(rng, 0, 7) == 0) token += std::string(Uniform(rng, 1, 3), '0');
    token += digits(Uniform(rng, 0, 3) == 0 ? Uniform(rng, 16, 30)
                                            : Uniform(rng, 1, 15));
    if (Uniform(rng, 0, 2) == 0) token += "." + digits(Uniform(rng, 0, 20));
    if (Uniform(rng, 0, 3) == 0) {
      token += Uniform(rng, 0, 1) == 0 ? "e" : "E";
      if (Uniform(rng, 0, 1) == 0) token += Uniform(rng, 0, 1) == 0 ? "-" : "+";
      token += std::to_string(Uniform(rng, 0, 340));
    }
    if (Uniform(rng, 0, 30) == 0) token += Pick<std::string>(rng, {"x", ".", "e", "-", " 1"});
    const bool quoted = Uniform(rng, 0, 4) == 0;
    const std::string value = quoted ? "\"" + token + "\"" : token;
    for (const char* key : {"amount_minor", "fx_rate"}) {
      if (ExpectSameAsProtobuf(InLine(key, value))) ++handled;
    }
  }
  std::printf("%d number lines, %d by the fast path\n", 2 * kTokens, handled);
}

// String bodies from random pieces: every escape, \u with random hex
// (surrogates, lone or paired), invalid escapes, raw UTF-8 and raw bytes
// that are not UTF-8 or not allowed in JSON strings.
TEST(EventJsonFastTest, RandomStringEscapesMatchProtobuf) {
  Rng rng(5);
  static const std::vector<std::string> kPieces = {
      "a", "Z", " ", "\\\"", "\\\\", "\\/", "\\b", "\\f", "\\n", "\\r",
      "\\t", "\\v", "\\x", "\\'", "\\0", "\\", "'", "\xc3\xa9",
      "\xe2\x80\xa8", "\xf0\x9f\x98\x80", "\xff", "\xc3", "\xed\xa0\x80",
      "\x7f", "\x1f", "\t"};
  int handled = 0;
  const int kLines = 5000;
  for (int i = 0; i < kLines && !::testing::Test::HasFailure(); ++i) {
    std::string body;
    const int pieces = Uniform(rng, 0, 6);
    for (int k = 0; k < pieces; ++k) {
      if (Uniform(rng, 0, 2) == 0) {
        char buf[8];
        const int unit = Uniform(rng, 0, 3) == 0 ? Uniform(rng, 0xd800, 0xdfff)
                                                 : Uniform(rng, 0, 0xffff);
        std::snprintf(buf, sizeof(buf), Uniform(rng, 0, 1) ? "\\u%04x" : "\\u%04X",
                      unit);
        body += buf;
      } else {
        body += Pick(rng, kPieces);
      }
    }
    const std::string value = "\"" + body + "\"";
    const std::string lines[] = {
        InLine("device_id", value), InLine("type", value),
        InLine("attributes", "{" + value + ":\"v\"}"),
        InLine("attributes", "{\"k\":" + value + "}")};
    for (const std::string& line : lines) {
      if (ExpectSameAsProtobuf(line)) ++handled;
    }
  }
  std::printf("%d string lines, %d by the fast path\n", 4 * kLines, handled);
}

}  // namespace
}  // namespace riskflow::replay
