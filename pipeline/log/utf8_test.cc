#include "pipeline/log/utf8.h"

#include <string>

#include "gtest/gtest.h"

namespace riskflow::log {
namespace {

constexpr size_t kValid = std::string_view::npos;

TEST(Utf8Test, AcceptsAsciiAndWellFormedMultibyte) {
  EXPECT_EQ(FindInvalidUtf8(""), kValid);
  EXPECT_EQ(FindInvalidUtf8("acct-1"), kValid);
  EXPECT_EQ(FindInvalidUtf8("Zürich"), kValid);             // 2 bytes
  EXPECT_EQ(FindInvalidUtf8("上海"), kValid);                 // 3 bytes
  EXPECT_EQ(FindInvalidUtf8("\xF0\x9F\x92\xB3 card"), kValid);  // U+1F4B3
  EXPECT_EQ(FindInvalidUtf8("\xF4\x8F\xBF\xBF"), kValid);     // U+10FFFF
}

TEST(Utf8Test, NamesTheOffsetOfTheFirstBadByte) {
  EXPECT_EQ(FindInvalidUtf8("ab\xFF"), 2u);
  EXPECT_EQ(FindInvalidUtf8("\x80"), 0u);            // lone continuation
  EXPECT_EQ(FindInvalidUtf8("ok\xC3"), 2u);          // truncated at the end
  EXPECT_EQ(FindInvalidUtf8("x\xE4\xB8"), 1u);       // truncated 3-byte
  EXPECT_EQ(FindInvalidUtf8("\xC0\xAF"), 0u);        // overlong '/'
  EXPECT_EQ(FindInvalidUtf8("\xE0\x80\xAF"), 0u);    // overlong 3-byte
  EXPECT_EQ(FindInvalidUtf8("\xF0\x80\x80\xAF"), 0u);  // overlong 4-byte
  EXPECT_EQ(FindInvalidUtf8("a\xED\xA0\x80"), 1u);   // surrogate U+D800
  EXPECT_EQ(FindInvalidUtf8("\xF4\x90\x80\x80"), 0u);  // above U+10FFFF
  EXPECT_EQ(FindInvalidUtf8("\xF5\x80\x80\x80"), 0u);
  EXPECT_EQ(FindInvalidUtf8("\xC3\x28"), 0u);        // bad continuation
  EXPECT_EQ(FindInvalidUtf8(std::string("a\0b\xFE", 4)), 3u);
}

}  // namespace
}  // namespace riskflow::log
