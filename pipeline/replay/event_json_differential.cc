#include "pipeline/replay/event_json_differential.h"

#include <cstdio>

#include "absl/status/statusor.h"
#include "google/protobuf/io/coded_stream.h"
#include "google/protobuf/io/zero_copy_stream_impl_lite.h"
#include "gtest/gtest.h"
#include "pipeline/replay/event_json_fast.h"
#include "pipeline/replay/jsonl_reader.h"

namespace riskflow::replay {

namespace pb = ::google::protobuf;
using ::riskflow::v1::Event;

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

}  // namespace riskflow::replay
