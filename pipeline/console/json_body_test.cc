#include "pipeline/console/json_body.h"

#include "gtest/gtest.h"

namespace riskflow::console {
namespace {

TEST(JsonBody, ReadsFlatFields) {
  absl::StatusOr<JsonBody> b = JsonBody::Parse(
      R"({"user":"alice","version":7,"force":true,"note":null})");
  ASSERT_TRUE(b.ok()) << b.status();
  EXPECT_EQ(*b->String("user"), "alice");
  EXPECT_EQ(*b->Int("version"), 7);
  EXPECT_FALSE(b->Has("note"));
  EXPECT_EQ(b->String("version").status().message(),
            "field 'version' must be a string");
  EXPECT_EQ(b->Int("user").status().message(),
            "field 'user' must be an integer");
  EXPECT_EQ(b->String("missing").status().message(),
            "field 'missing' is required");
}

TEST(JsonBody, RefusesWhatIsNotAFlatObject) {
  EXPECT_NE(JsonBody::Parse("[1]").status().message().find("JSON object"),
            std::string::npos);
  EXPECT_NE(JsonBody::Parse("{").status().message().find("not valid JSON"),
            std::string::npos);
  EXPECT_NE(JsonBody::Parse(R"({"a":{"b":1}})").status().message().find(
                "field 'a' must be"),
            std::string::npos);
  EXPECT_NE(JsonBody::Parse(R"({"a":"x","a":"y"})").status().message().find(
                "appears twice"),
            std::string::npos);
  EXPECT_NE(JsonBody::Parse("{\"a\":\"\xff\"}").status().message().find(
                "not valid JSON"),
            std::string::npos);
  EXPECT_NE(JsonBody::Parse(std::string(100, ' '), 10).status().message().find(
                "the limit is 10"),
            std::string::npos);
}

}  // namespace
}  // namespace riskflow::console
