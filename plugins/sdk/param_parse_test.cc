#include "plugins/sdk/param_parse.h"

#include <cstdlib>
#include <fstream>
#include <map>
#include <string>

#include "plugins/sdk/file_params.h"

#include <cstring>
#include <limits>
#include <utility>
#include <vector>

#include "gtest/gtest.h"
#include "plugins/sdk/riskflow_sdk.h"

namespace riskflow {
namespace sdk {
namespace {

using Raw = std::map<std::string, std::string>;

// A schema with one parameter of every type.
std::vector<rf_param_spec> AllTypes() {
  return {
      WithRange(Param("max_events", RF_PARAM_INT, "10", "n"), 1, 1e9),
      WithRange(Param("ratio", RF_PARAM_DOUBLE, "0.5", "r"), 0, 1),
      Param("enabled", RF_PARAM_BOOL, "true", "b"),
      Param("label", RF_PARAM_STRING, nullptr, "s"),
      WithRange(Param("window", RF_PARAM_DURATION, "1m", "d"), 1000,
                30.0 * 86400 * 1000),
      Param("types", RF_PARAM_LIST, "PAYMENT, PAYOUT", "l"),
  };
}

bool Parse(const std::vector<rf_param_spec>& specs, const Raw& raw,
           ParsedParams* out, std::string* error) {
  return ParseParams(specs.data(), specs.size(), raw, out, error);
}

std::string ErrorFor(const std::vector<rf_param_spec>& specs, const Raw& raw) {
  ParsedParams out;
  std::string error;
  EXPECT_FALSE(Parse(specs, raw, &out, &error));
  EXPECT_EQ(out.size(), 0u);
  return error;
}

TEST(ParseParamsTest, DefaultsAppliedAndNormalised) {
  ParsedParams out;
  std::string error;
  ASSERT_TRUE(Parse(AllTypes(), {}, &out, &error)) << error;
  // "label" has no default and is optional: absent.
  EXPECT_EQ(out.AsMap(), (Raw{{"max_events", "10"},
                              {"ratio", "0.5"},
                              {"enabled", "true"},
                              {"window", "60000ms"},
                              {"types", "PAYMENT,PAYOUT"}}));
  ASSERT_EQ(out.size(), 5u);
  EXPECT_EQ(out.Find("label"), nullptr);
  EXPECT_EQ(out.Find("window")->int_value, 60000);
  EXPECT_EQ(out.Find("enabled")->int_value, 1);
  EXPECT_DOUBLE_EQ(out.Find("max_events")->double_value, 10.0);
}

TEST(ParseParamsTest, GivenValuesOfEveryType) {
  ParsedParams out;
  std::string error;
  ASSERT_TRUE(Parse(AllTypes(),
                    {{"max_events", " 42 "},
                     {"ratio", "0.25"},
                     {"enabled", "false"},
                     {"label", " keep spaces "},
                     {"window", "5m"},
                     {"types", " A ,, B ,"}},
                    &out, &error))
      << error;
  Params p(out.data(), out.size());
  EXPECT_EQ(p.Int("max_events"), 42);
  EXPECT_DOUBLE_EQ(p.Double("ratio"), 0.25);
  EXPECT_FALSE(p.Bool("enabled", true));
  EXPECT_EQ(p.String("label"), " keep spaces ");
  EXPECT_EQ(p.DurationMs("window"), 300000);
  EXPECT_EQ(p.String("window"), "300000ms");
  EXPECT_EQ(p.String("types"), "A,B");
  EXPECT_EQ(p.List("types"), (std::vector<std::string>{"A", "B"}));
}

TEST(ParseParamsTest, WrongTypeNamesTheParameter) {
  EXPECT_EQ(ErrorFor(AllTypes(), {{"max_events", "ten"}}),
            "parameter 'max_events': expected an integer, got 'ten'");
  EXPECT_EQ(ErrorFor(AllTypes(), {{"max_events", "1e3"}}),
            "parameter 'max_events': expected an integer, got '1e3'");
  EXPECT_EQ(ErrorFor(AllTypes(), {{"max_events", "99999999999999999999"}}),
            "parameter 'max_events': expected an integer, got "
            "'99999999999999999999'");
  EXPECT_EQ(ErrorFor(AllTypes(), {{"ratio", "half"}}),
            "parameter 'ratio': expected a number, got 'half'");
  EXPECT_EQ(ErrorFor(AllTypes(), {{"ratio", "nan"}}),
            "parameter 'ratio': expected a number, got 'nan'");
  EXPECT_EQ(ErrorFor(AllTypes(), {{"enabled", "yes"}}),
            "parameter 'enabled': expected true or false, got 'yes'");
  EXPECT_EQ(ErrorFor(AllTypes(), {{"window", "5 min"}}),
            "parameter 'window': expected a duration such as 250ms, 30s, 5m, "
            "24h or 7d, got '5 min'");
}

TEST(ParseParamsTest, RangeIsInclusiveAndNamed) {
  ParsedParams out;
  std::string error;
  EXPECT_TRUE(
      Parse(AllTypes(), {{"max_events", "1"}, {"window", "1s"}}, &out, &error));
  EXPECT_TRUE(Parse(AllTypes(), {{"max_events", "1000000000"}}, &out, &error));
  EXPECT_EQ(ErrorFor(AllTypes(), {{"max_events", "0"}}),
            "parameter 'max_events': 0 is out of range [1, 1000000000]");
  EXPECT_EQ(ErrorFor(AllTypes(), {{"ratio", "1.5"}}),
            "parameter 'ratio': 1.5 is out of range [0, 1]");
  EXPECT_EQ(ErrorFor(AllTypes(), {{"window", "999"}}),
            "parameter 'window': 999ms is out of range [1s, 30d]");
  EXPECT_EQ(ErrorFor(AllTypes(), {{"window", "31d"}}),
            "parameter 'window': 31d is out of range [1s, 30d]");
}

TEST(ParseParamsTest, UnknownParameterListsKnownOnes) {
  EXPECT_EQ(ErrorFor(AllTypes(), {{"max_event", "3"}}),
            "parameter 'max_event': unknown parameter; expected one of: "
            "max_events, ratio, enabled, label, window, types");
  EXPECT_EQ(ErrorFor({}, {{"x", "1"}}),
            "parameter 'x': unknown parameter; this detector takes none");
}

TEST(ParseParamsTest, MissingRequiredIgnoresItsDefault) {
  std::vector<rf_param_spec> specs = {
      RequiredParam("thresholds", RF_PARAM_LIST, "t")};
  specs[0].default_value = "USD:1";  // ignored for required parameters
  EXPECT_EQ(ErrorFor(specs, {}),
            "parameter 'thresholds': required but not given");
  ParsedParams out;
  std::string error;
  ASSERT_TRUE(Parse(specs, {{"thresholds", "USD:5"}}, &out, &error));
  EXPECT_EQ(out.AsMap().at("thresholds"), "USD:5");
}

TEST(ParseParamsTest, SchemaProblemsAreRefused) {
  std::vector<rf_param_spec> specs = AllTypes();
  specs[1].struct_size = 8;
  EXPECT_EQ(ErrorFor(specs, {}),
            "parameter schema: entry 1 has struct_size 8, expected at least " +
                std::to_string(sizeof(rf_param_spec)));

  specs = AllTypes();
  specs[2].name = nullptr;
  EXPECT_EQ(ErrorFor(specs, {}), "parameter schema: entry 2 has no name");

  specs = AllTypes();
  specs[3].name = "max_events";
  EXPECT_EQ(ErrorFor(specs, {}),
            "parameter schema: parameter 'max_events' is declared twice");

  specs = AllTypes();
  specs[0].type = static_cast<rf_param_type>(99);
  EXPECT_EQ(ErrorFor(specs, {}),
            "parameter schema: parameter 'max_events' has unknown type 99");

  specs = AllTypes();
  specs[0].default_value = "0";
  EXPECT_EQ(ErrorFor(specs, {}),
            "parameter schema: parameter 'max_events' has a bad default: 0 is "
            "out of range [1, 1000000000]");

  specs = AllTypes();
  specs[4].default_value = "soon";
  EXPECT_NE(ErrorFor(specs, {}).find("'window' has a bad default"),
            std::string::npos);

  specs = AllTypes();
  specs[1].min = 2;
  EXPECT_EQ(ErrorFor(specs, {}),
            "parameter schema: parameter 'ratio' has an empty range [2, 1]");

  std::string error;
  ParsedParams out;
  EXPECT_FALSE(ParseParams(nullptr, 2, {}, &out, &error));
  EXPECT_NE(error.find("table is null"), std::string::npos);
}

TEST(ParseParamsTest, FailureClearsPreviousOutput) {
  ParsedParams out;
  std::string error;
  ASSERT_TRUE(Parse(AllTypes(), {}, &out, &error));
  ASSERT_FALSE(out.empty());
  EXPECT_FALSE(Parse(AllTypes(), {{"ratio", "x"}}, &out, &error));
  EXPECT_TRUE(out.empty());
}

TEST(ParsedParamsTest, EntriesSurviveMoveAndCopy) {
  ParsedParams out;
  std::string error;
  // Short strings live inside std::string (SSO): a naive layout would
  // dangle after the move.
  ASSERT_TRUE(Parse(AllTypes(), {{"label", "x"}}, &out, &error));
  const rf_param_value* before = out.data();
  ParsedParams moved = std::move(out);
  EXPECT_EQ(moved.data(), before);
  std::vector<ParsedParams> many;
  for (int i = 0; i < 20; ++i) many.push_back(moved);  // copies, reallocs
  for (const ParsedParams& p : many) {
    Params params(p.data(), p.size());
    EXPECT_EQ(params.String("label"), "x");
    EXPECT_EQ(params.Int("max_events"), 10);
    EXPECT_NE(p.data(), moved.data());
  }
}

TEST(ParseDurationMsTest, AcceptsUnitsAndPlainMilliseconds) {
  const std::pair<const char*, int64_t> kCases[] = {
      {"250ms", 250},    {"30s", 30000}, {"5m", 300000}, {"24h", 86400000},
      {"7d", 604800000}, {"0", 0},       {"1500", 1500}, {"0s", 0},
  };
  for (const auto& [text, want] : kCases) {
    int64_t ms = -1;
    EXPECT_TRUE(ParseDurationMs(text, &ms)) << text;
    EXPECT_EQ(ms, want) << text;
  }
}

TEST(ParseDurationMsTest, RejectsEverythingElse) {
  const char* kBad[] = {"",     "ms",
                        "s",    "-5s",
                        "+5s",  "1.5s",
                        "5 s",  "5x",
                        "5M",   "1h30m",
                        "5sec", " 5s",
                        "0x10", "106751991167301d"};  // overflows int64 ms
  for (const char* text : kBad) {
    int64_t ms = 0;
    EXPECT_FALSE(ParseDurationMs(text, &ms)) << text;
  }
  int64_t ms = 0;
  EXPECT_TRUE(ParseDurationMs("9223372036854775807", &ms));
  EXPECT_EQ(ms, std::numeric_limits<int64_t>::max());
  EXPECT_FALSE(ParseDurationMs("9223372036854775808", &ms));
}

TEST(FormatDurationMsTest, LargestExactUnit) {
  EXPECT_EQ(FormatDurationMs(0), "0ms");
  EXPECT_EQ(FormatDurationMs(1500), "1500ms");
  EXPECT_EQ(FormatDurationMs(60000), "1m");
  EXPECT_EQ(FormatDurationMs(90000), "90s");
  EXPECT_EQ(FormatDurationMs(7 * 86400000LL), "7d");
  EXPECT_EQ(FormatDurationMs(-2000), "-2s");
  int64_t ms = 0;
  ASSERT_TRUE(ParseDurationMs(FormatDurationMs(3600000), &ms));
  EXPECT_EQ(ms, 3600000);
}

TEST(ParamTypeNameTest, AllTypes) {
  EXPECT_STREQ(ParamTypeName(RF_PARAM_INT), "INT");
  EXPECT_STREQ(ParamTypeName(RF_PARAM_DOUBLE), "DOUBLE");
  EXPECT_STREQ(ParamTypeName(RF_PARAM_BOOL), "BOOL");
  EXPECT_STREQ(ParamTypeName(RF_PARAM_STRING), "STRING");
  EXPECT_STREQ(ParamTypeName(RF_PARAM_DURATION), "DURATION");
  EXPECT_STREQ(ParamTypeName(RF_PARAM_LIST), "LIST");
  EXPECT_STREQ(ParamTypeName(static_cast<rf_param_type>(0)), "UNKNOWN");
}

// FILE (ABI 1.2): ParseParams keeps the trimmed path; LoadFileParams reads
// the file and swaps in its contents (file_params.h).
TEST(FileParamTest, PathIsKeptThenReplacedByContents) {
  std::vector<rf_param_spec> specs = {
      WithRange(Param("table", RF_PARAM_FILE, nullptr, "a table"), 0, 10)};
  EXPECT_STREQ(ParamTypeName(RF_PARAM_FILE), "FILE");
  ParsedParams parsed;
  std::string error;
  EXPECT_FALSE(ParseParams(specs.data(), specs.size(), {{"table", "  "}},
                           &parsed, &error));
  EXPECT_EQ(error, "parameter 'table': expected a file path, got an empty value");
  const char* tmp = std::getenv("TEST_TMPDIR");
  const std::string dir = tmp != nullptr ? tmp : "/tmp";
  { std::ofstream(dir + "/t.txt") << "a,b\n"; }
  ASSERT_TRUE(ParseParams(specs.data(), specs.size(), {{"table", " t.txt "}},
                          &parsed, &error))
      << error;
  EXPECT_EQ(parsed.AsMap().at("table"), "t.txt");
  std::vector<LoadedFileParam> files;
  ASSERT_TRUE(LoadFileParams(specs.data(), specs.size(), dir, &parsed, &files,
                             &error))
      << error;
  ASSERT_EQ(files.size(), 1u);
  EXPECT_EQ(files[0].resolved, dir + "/t.txt");
  const rf_param_value* v = parsed.Find("table");
  EXPECT_EQ(std::string(v->text.ptr, v->text.len), "a,b\n");
  EXPECT_EQ(v->int_value, 4);
  // Over the plugin's own limit (10 bytes).
  { std::ofstream(dir + "/big.txt") << std::string(11, 'x'); }
  ASSERT_TRUE(ParseParams(specs.data(), specs.size(),
                          {{"table", dir + "/big.txt"}}, &parsed, &error));
  EXPECT_FALSE(LoadFileParams(specs.data(), specs.size(), "/elsewhere",
                              &parsed, &files, &error));
  EXPECT_EQ(error, "parameter 'table': cannot read " + dir +
                       "/big.txt: 11 bytes, limit 10");
  EXPECT_EQ(ResolveFileParamPath("m.json", ""), "m.json");
  EXPECT_EQ(ResolveFileParamPath("m.json", "/etc/rf/"), "/etc/rf/m.json");
  EXPECT_EQ(ResolveFileParamPath("/abs/m.json", "/etc/rf"), "/abs/m.json");
}

}  // namespace
}  // namespace sdk
}  // namespace riskflow
