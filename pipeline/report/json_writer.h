// A minimal streaming JSON writer: keys come out in the order the code
// writes them, so the summary's layout is fixed by the renderer rather than
// by a map's iteration order; two-space indentation keeps diffs readable.
#ifndef RISKFLOW_PIPELINE_REPORT_JSON_WRITER_H_
#define RISKFLOW_PIPELINE_REPORT_JSON_WRITER_H_

#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

namespace riskflow::report {

class JsonWriter {
 public:
  JsonWriter& BeginObject();
  JsonWriter& EndObject();
  JsonWriter& BeginArray();
  JsonWriter& EndArray();
  // Inside an object, call Key() before each value.
  JsonWriter& Key(std::string_view key);
  JsonWriter& String(std::string_view value);
  JsonWriter& Int(int64_t value);
  JsonWriter& Bool(bool value);
  // Fixed 4 decimals (ratios), so output is byte-for-byte stable.
  JsonWriter& Ratio(double value);
  JsonWriter& Null();

  // The document with a trailing newline.
  std::string Finish();

 private:
  void BeforeValue();
  void Newline();
  JsonWriter& Close(char bracket);

  std::string out_;
  // Per open container: whether it already holds an element.
  std::vector<bool> has_element_;
  bool after_key_ = false;
};

// JSON string literal, quotes included; escapes control characters.
std::string JsonQuote(std::string_view text);

}  // namespace riskflow::report

#endif  // RISKFLOW_PIPELINE_REPORT_JSON_WRITER_H_
