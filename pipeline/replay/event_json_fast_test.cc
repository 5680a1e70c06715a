// Differential tests of the simdjson fast path (event_json_fast.h) against
// protobuf's JSON parser (ParseEventJsonGeneral), which is the authority:
// for every line ParseEventJson must give the same Event, or the same error,
// as the protobuf path alone; and whenever the fast path says it handled a
// line, its Event must be the protobuf one, byte for byte.
#include "pipeline/replay/event_json_fast.h"

#include <algorithm>
#include <cmath>
#include <cstdint>
#include <cstdio>
#include <cstring>
#include <fstream>
#include <limits>
#include <map>
#include <random>
#include <string>
#include <vector>

#include "absl/status/statusor.h"
#include "google/protobuf/io/coded_stream.h"
#include "google/protobuf/io/zero_copy_stream_impl_lite.h"
#include "google/protobuf/util/json_util.h"
#include "gtest/gtest.h"
#include "pipeline/replay/jsonl_reader.h"
#include "proto/riskflow/v1/event.pb.h"

namespace riskflow::replay {
namespace {

namespace pb = ::google::protobuf;
using ::riskflow::v1::Event;
using Rng = std::mt19937_64;

// Deterministic serialization (sorted map entries) keeps -0.0 apart from
// 0.0 and compares NaN payloads exactly, which field-wise equality would
// not.
std::string Bytes(const Event& event) {
  std::string out;
  {
    pb::io::StringOutputStream stream(&out);
    pb::io::CodedOutputStream coded(&stream);
    coded.SetSerializationDeterministic(true);
    event.SerializeToCodedStream(&coded);
  }
  return out;
}

// Printable form of a line for failure messages (it may hold any byte).
std::string Show(const std::string& line) {
  std::string out;
  for (unsigned char c : line) {
    if (c >= 0x20 && c < 0x7f) {
      out += static_cast<char>(c);
    } else {
      char buf[8];
      std::snprintf(buf, sizeof(buf), "\\x%02x", c);
      out += buf;
    }
  }
  return out;
}

std::string Field(const std::string& key, const std::string& value) {
  return "{\"" + key + "\":" + value + "}";
}

// In a realistic line, so the value is not alone in its object.
std::string InLine(const std::string& key, const std::string& value) {
  return "{\"event_id\":\"evt-1\",\"channel_id\":\"bank-rails\"," "\"" + key +
         "\":" + value + ",\"currency\":\"CNY\",\"attributes\":{\"k\":\"v\"}}";
}

struct Counts {
  int lines = 0;
  int handled = 0;  // taken by the fast path
};

// The whole contract for one line. Returns whether the fast path took it.
bool ExpectSameAsProtobuf(const std::string& line) {
  absl::StatusOr<Event> general = ParseEventJsonGeneral(line);
  absl::StatusOr<Event> combined = ParseEventJson(line);
  EXPECT_EQ(general.ok(), combined.ok())
      << "line: " << Show(line) << "\nprotobuf: " << general.status()
      << "\nParseEventJson: " << combined.status();
  if (general.ok() && combined.ok()) {
    EXPECT_EQ(Bytes(*general), Bytes(*combined))
        << "line: " << Show(line) << "\nprotobuf: " << general->DebugString()
        << "\nParseEventJson: " << combined->DebugString();
  } else if (!general.ok() && !combined.ok()) {
    EXPECT_EQ(general.status(), combined.status()) << "line: " << Show(line);
  }

  Event fast;
  const bool handled = TryParseEventJsonFast(line, &fast);
  if (handled) {
    EXPECT_TRUE(general.ok())
        << "fast path accepted a line protobuf rejects: " << Show(line)
        << "\nprotobuf: " << general.status();
    if (general.ok()) {
      EXPECT_EQ(Bytes(fast), Bytes(*general))
          << "line: " << Show(line) << "\nfast: " << fast.DebugString()
          << "\nprotobuf: " << general->DebugString();
    }
  }
  return handled;
}

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

// --- hand-written edge lines ----------------------------------------------

const std::vector<std::string> kInt64Values = {
    "0", "-0", "1", "-1", "00", "01", "-01", "+1", "1e3", "1E3", "1e+3",
    "1.0", "1.5", "-1.5", "1e-3", "9223372036854775807",
    "9223372036854775808", "-9223372036854775808", "-9223372036854775809",
    "18446744073709551615", "18446744073709551616", "99999999999999999999",
    "1e19", "\"1\"", "\"-1\"", "\"0\"", "\"-0\"", "\"+1\"", "\"01\"",
    "\" 1\"", "\"1 \"", "\"1e3\"", "\"1.0\"", "\"0x10\"", "\"\"", "\"-\"",
    "\"9223372036854775807\"", "\"9223372036854775808\"",
    "\"-9223372036854775808\"", "\"-9223372036854775809\"", "\"\\u0031\"",
    "\"1\\u0000\"", "null", "true", "false", "[]", "[1]", "{}", "-", "1x",
    "0x10", "NaN", "\"NaN\"", "Infinity", "1.", ".5"};

const std::vector<std::string> kDoubleValues = {
    "0", "-0", "0.0", "-0.0", "0e0", "-0e0", "0e-5", "1e-400", "-1e-400",
    "1e400", "-1e400", "1.7976931348623157e308", "1.7976931348623159e308",
    "4.9e-324", "5e-324", "2.4703282292062327e-324",
    "2.4703282292062328e-324", "2.2250738585072011e-308",
    "2.2250738585072012e-308", "1", "-1", "42", "9007199254740992",
    "9007199254740993", "-9007199254740993", "18446744073709551615",
    "18446744073709551616", "123456789012345678901234567890", "7.1234",
    "0.1000000000000000055511151231257827",
    "0.10000000000000000555111512312578271", "1.5e+10", "1.5E-10", "1e0",
    "1.", ".5", "-.5", "1e", "1e+", "01.5", "00", "-", "+1", "\"NaN\"",
    "\"Infinity\"", "\"-Infinity\"", "NaN", "Infinity", "-Infinity",
    "\"1.5\"", "\"1\"", "\"0\"", "null", "true", "[]", "{}", "\"\""};

const std::vector<std::string> kTypeValues = {
    "\"PAYOUT\"", "\"EVENT_TYPE_UNSPECIFIED\"", "\"DEPOSIT\"", "2", "\"2\"",
    "0", "\"0\"", "99", "\"99\"", "-1", "1.0", "\"payout\"", "\"Payout\"",
    "\"PAYOUTS\"", "\"\"", "\"PAY\\u004fUT\"", "\" PAYOUT\"", "null", "true",
    "[]", "{}"};

const std::vector<std::string> kStringValues = {
    "\"\"", "\"a\\\"b\"", "\"\\\\\"", "\"\\/\"", "\"\\b\\f\\n\\r\\t\"",
    "\"\\u0000\"", "\"\\u00e9\"", "\"\\u00E9\"", "\"\\uffff\"",
    "\"\\ud83d\\ude00\"", "\"\\uD83D\\uDE00\"", "\"\\ud83d\"",
    "\"\\ude00\"", "\"\\ud83d\\u0041\"", "\"\\ude00\\ud83d\"",
    "\"\\ud83dx\"", "\"\\u12\"", "\"\\u12G4\"", "\"\\x41\"", "\"\\'\"",
    "\"\\a\"", "'single'", "\"\xc3\xa9\"", "\"\xf0\x9f\x98\x80\"",
    "\"\xe2\x80\xa8\"", "\"\xef\xbb\xbf\"", "\"\xff\"", "\"\xc3\"",
    "\"\xc0\xaf\"", "\"\xed\xa0\x80\"", "\"\xf4\x90\x80\x80\"",
    "\"a\tb\"", "\"a\x01" "b\"", "\"a\x7f\"", "\"a\nb\"", "123", "-1",
    "1.5", "true", "null", "[]", "[\"a\"]", "{}", "{\"a\":\"b\"}",
    "unquoted"};

const std::vector<std::string> kAttributeValues = {
    "{}", "{ }", "{\"label\":\"resend\"}", "{\"a\":\"1\",\"b\":\"2\"}",
    "{\"a\":\"1\",\"a\":\"2\"}", "{\"a\":\"1\",\"\\u0061\":\"2\"}",
    "{\"\":\"x\"}", "{\"a\":\"\"}", "{\"a\":1}", "{\"a\":true}",
    "{\"a\":null}", "{\"a\":{}}", "{\"a\":[\"x\"]}", "{\"a\\u0000\":\"x\"}",
    "{\"\\ud83d\\ude00\":\"x\"}", "{\"\\ude00\":\"x\"}",
    "{\"a\":\"\\ude00\"}", "{\"\xc3\xa9\":\"\xc3\xa9\"}",
    "{\"a\":\"b\",}", "{,}", "{\"a\"}", "{\"a\":}", "{\"a\" \"b\"}",
    "{\"a\":\"b\" \"c\":\"d\"}", "{\"a\":{\"b\":{\"c\":1}}}", "[]",
    "[[\"a\",\"b\"]]", "\"x\"", "null", "1", "{\"a\":\"b\"", "{\"a\""};

// Whole lines: structure, whitespace, keys, duplicates, truncation.
const std::vector<std::string> kWholeLines = {
    "{}", "{ }", " {}", "{} ", "  {  }  ", "{\t}", "\t{}", "{}\r", "{}\n",
    "{\n}", "\xef\xbb\xbf{}", "", " ", "null", "true", "1", "\"str\"", "[]",
    "[1, 2]", "[{}]", "{}{}", "{} {}", "{}}", "{}]", "{} x", "{}x", "{}//",
    "/* c */ {}", "{} # c", "{", "}", "{\"", "{\"event_id", "{\"event_id\"",
    "{\"event_id\":", "{\"event_id\":\"e", "{\"event_id\":\"e\"",
    "{\"event_id\":\"e\",", "{\"amount_minor\":12", "{\"fx_rate\":1.5",
    "{\"attributes\":{\"a\":\"b\"}", "{\"event_id\":\"e\",}", "{,}",
    "{,\"event_id\":\"e\"}", "{\"event_id\":\"e\",,\"ip\":\"x\"}",
    "{\"event_id\" \"e\"}", "{\"event_id\"::\"e\"}",
    "{\"event_id\":\"e\" \"ip\":\"x\"}", "{event_id:\"e\"}",
    "{'event_id':'e'}", "{\"event_id\":'e'}",
    "{ \"event_id\" : \"e\" , \"amount_minor\" : 5 , \"fx_rate\" : 1.5 }",
    "{\"event_id\":\"e\",\"ammount_minor\":5}", "{\"EventId\":\"e\"}",
    "{\"event_Id\":\"e\"}", "{\"eventid\":\"e\"}", "{\"\":1}",
    "{\"@type\":\"x\"}", "{\"event_id \":\"e\"}", "{\"event_id\\u0000\":1}",
    "{\"event\\u005fid\":\"e\"}", "{\"event\\u005Fid\":\"e\"}",
    "{\"event_id\\\"\":\"e\"}", "{\"type\":\"PAYOUT\",\"nope\":{\"a\":[1]}}",
    "{\"nope\":1,\"event_id\":\"e\"}",
    "{\"event_id\":\"a\",\"event_id\":\"b\"}",
    "{\"event_id\":\"a\",\"eventId\":\"b\"}",
    "{\"eventId\":\"a\",\"event_id\":\"b\"}",
    "{\"amount_minor\":1,\"amountMinor\":2}",
    "{\"amount_minor\":1,\"amount_minor\":1}",
    "{\"type\":\"PAYMENT\",\"type\":\"PAYOUT\"}",
    "{\"fx_rate\":1.5,\"fxRate\":2.5}",
    "{\"attributes\":{\"a\":\"1\"},\"attributes\":{\"b\":\"2\"}}",
    "{\"attributes\":{},\"attributes\":{}}",
    "{\"event_id\":null,\"ip\":\"1.2.3.4\"}",
    "{\"event_id\":\"e\",\"event_time_ms\":1767225600000,\"amount_minor\":"
    "\"15000000\",\"type\":\"PAYOUT\"}",
    "{\"eventId\":\"e2\",\"type\":\"PAYMENT\",\"amountMinor\":5}",
    "{\"eventTimeMs\":\"1767225600000\",\"sourceAmountMinor\":\"-5\","
    "\"fxRate\":7.1234,\"counterpartyCountry\":\"DE\",\"deviceId\":\"d\"}",
};

TEST(EventJsonFastTest, EdgeLinesMatchProtobuf) {
  std::vector<std::string> lines = kWholeLines;
  for (const char* key : {"event_time_ms", "amountMinor", "source_amount_minor"}) {
    for (const std::string& v : kInt64Values) {
      lines.push_back(Field(key, v));
      lines.push_back(InLine(key, v));
    }
  }
  for (const char* key : {"fx_rate", "latitude", "longitude"}) {
    for (const std::string& v : kDoubleValues) {
      lines.push_back(Field(key, v));
      lines.push_back(InLine(key, v));
    }
  }
  for (const std::string& v : kTypeValues) {
    lines.push_back(Field("type", v));
    lines.push_back(InLine("type", v));
  }
  for (const char* key : {"event_id", "deviceId", "counterparty_country"}) {
    for (const std::string& v : kStringValues) {
      lines.push_back(Field(key, v));
      lines.push_back(InLine(key, v));
    }
  }
  for (const std::string& v : kAttributeValues) {
    lines.push_back(Field("attributes", v));
    lines.push_back(Field("attributes", v) + "}");
    lines.push_back("{\"attributes\":" + v + ",\"event_id\":\"e\"}");
  }
  int handled = 0;
  for (const std::string& line : lines) {
    if (ExpectSameAsProtobuf(line)) ++handled;
  }
  std::printf("%zu edge lines, %d by the fast path\n", lines.size(), handled);
}

// With several unknown keys the error names the first in the line, every
// time (it used to follow protobuf Map's per-instance random order, which
// made the differential test flaky).
TEST(EventJsonFastTest, UnknownFieldErrorNamesFirstUnknownKeyInLine) {
  for (int i = 0; i < 20; ++i) {
    auto event = ParseEventJson(
        R"({"event_id":"e","zz_first":1,"aa":2,"mm":{"x":1},"ip":"1.2.3.4"})");
    ASSERT_FALSE(event.ok());
    EXPECT_EQ(event.status().message(), "unknown field \"zz_first\"");
  }
}

// Lines the fast path exists for must actually take it (a regression that
// declined everything would pass the differential tests).
TEST(EventJsonFastTest, CommonLinesTakeTheFastPath) {
  const std::vector<std::string> common = {
      "{}",
      "{\"event_id\":\"evt-000008\",\"channel_id\":\"bank-rails\",\"type\":"
      "\"PAYMENT\",\"event_time_ms\":1767225688360,\"account_id\":\"acct-"
      "0007\",\"counterparty\":\"merch-0023\",\"amount_minor\":89092,"
      "\"currency\":\"CNY\",\"country\":\"CN\",\"ip\":\"10.99.47.172\","
      "\"device_id\":\"dev-23fb86\",\"attributes\":{\"label\":\"resend\"}}",
      "{\"eventId\":\"e2\",\"type\":\"PAYMENT\",\"amountMinor\":\"5\"}",
      "{ \"fx_rate\" : 7.1234 , \"latitude\" : -33.5, \"longitude\": 0 }",
      "{\"event_id\":\"caf\\u00e9 \\\"x\\\" \\ud83d\\ude00\"}",
  };
  for (const std::string& line : common) {
    EXPECT_TRUE(ExpectSameAsProtobuf(line)) << "declined: " << line;
  }
}

TEST(EventJsonFastTest, SampleFileTakesTheFastPathLineForLine) {
  std::ifstream in("tools/sample/events.jsonl");
  ASSERT_TRUE(in.is_open()) << "tools/sample/events.jsonl (a data dep)";
  std::string line;
  int events = 0;
  while (std::getline(in, line)) {
    if (line.empty() || line[0] == '#') continue;
    ++events;
    EXPECT_TRUE(ExpectSameAsProtobuf(line)) << "declined: " << line;
  }
  EXPECT_GT(events, 100);
}

// The fast path keeps a per-thread buffer: a short line after a long one
// must not see the long line's bytes. Lines over 64 KiB are declined.
TEST(EventJsonFastTest, ShortLineAfterLongLine) {
  const std::string long_line =
      "{\"event_id\":\"" + std::string(5000, 'x') + "\",\"amount_minor\":1234}";
  EXPECT_TRUE(ExpectSameAsProtobuf(long_line));
  const std::string huge_line =
      "{\"event_id\":\"" + std::string(70000, 'x') + "\",\"amount_minor\":1234}";
  EXPECT_FALSE(ExpectSameAsProtobuf(huge_line));
  for (const std::string& line :
       {std::string("{\"amount_minor\":12"), std::string("{\"amount_minor\":1"),
        std::string("{\"fx_rate\":1"), std::string("{\"event_id\":\"x")}) {
    ExpectSameAsProtobuf(line);
  }
}

}  // namespace
}  // namespace riskflow::replay
