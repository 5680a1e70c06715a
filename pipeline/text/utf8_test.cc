#include "pipeline/text/utf8.h"

#include <string>

#include "gtest/gtest.h"

namespace riskflow::text {
namespace {

TEST(Utf8Test, AcceptsWellFormedText) {
  EXPECT_TRUE(IsValidUtf8(""));
  EXPECT_TRUE(IsValidUtf8("plain ASCII"));
  EXPECT_TRUE(IsValidUtf8("Zürich \xE2\x82\xAC \xF0\x9F\x92\xB3"));  // € 💳
  EXPECT_TRUE(IsValidUtf8("\xF4\x8F\xBF\xBF"));                     // U+10FFFF
  EXPECT_TRUE(IsValidUtf8(std::string("nul\0inside", 10)));
}

TEST(Utf8Test, RejectsWhatProtobufRejects) {
  EXPECT_FALSE(IsValidUtf8("\xFF"));
  EXPECT_FALSE(IsValidUtf8("\x80"));              // lone continuation
  EXPECT_FALSE(IsValidUtf8("\xC3"));              // truncated
  EXPECT_FALSE(IsValidUtf8("\xC0\xAF"));          // overlong '/'
  EXPECT_FALSE(IsValidUtf8("\xE0\x80\xAF"));      // overlong
  EXPECT_FALSE(IsValidUtf8("\xED\xA0\x80"));      // surrogate U+D800
  EXPECT_FALSE(IsValidUtf8("\xF4\x90\x80\x80"));  // U+110000
  EXPECT_FALSE(IsValidUtf8("\xF8\x88\x80\x80\x80"));
  EXPECT_EQ(ValidUtf8Prefix("ok\xFFrest"), 2u);
}

// The ASCII fast path reads eight bytes at a time: a multi-byte character
// or a bad byte must be found at every offset and word boundary.
TEST(Utf8Test, FindsEveryByteWhereverItIsInAWord) {
  for (size_t before = 0; before < 20; ++before) {
    for (size_t after = 0; after < 12; ++after) {
      const std::string a(before, 'a');
      const std::string b(after, 'b');
      EXPECT_TRUE(IsValidUtf8(a + "\xC3\xA9" + b)) << before << "/" << after;
      EXPECT_TRUE(IsValidUtf8(a + "\xF0\x9F\x92\xB3" + b));
      EXPECT_EQ(ValidUtf8Prefix(a + "\xFF" + b), before);
      // A truncated 3-byte character: the prefix ends before it.
      EXPECT_EQ(ValidUtf8Prefix(a + "\xE2\x82" + b), before);
      EXPECT_EQ(ValidUtf8Prefix(a + b), before + after);
    }
  }
}

TEST(Utf8Test, SanitizeReplacesEachBadByte) {
  EXPECT_EQ(SanitizeUtf8("a\xFF" "b"), "a\xEF\xBF\xBD" "b");
  EXPECT_EQ(SanitizeUtf8("\xC3"), "\xEF\xBF\xBD");
  EXPECT_EQ(SanitizeUtf8("\xC3\xA9"), "\xC3\xA9");
  EXPECT_TRUE(IsValidUtf8(SanitizeUtf8("\xED\xA0\x80\xF4\x90\x80\x80")));
}

TEST(Utf8Test, TruncateCutsAtCharacterBoundary) {
  const std::string euros = "\xE2\x82\xAC\xE2\x82\xAC";  // two 3-byte chars
  EXPECT_EQ(TruncateUtf8(euros, 6), euros);
  EXPECT_EQ(TruncateUtf8(euros, 5), "\xE2\x82\xAC");
  EXPECT_EQ(TruncateUtf8(euros, 3), "\xE2\x82\xAC");
  EXPECT_EQ(TruncateUtf8(euros, 2), "");
}

TEST(Utf8Test, CleanPluginTextIsSafeForLogsAndProtos) {
  EXPECT_EQ(CleanPluginText("fine", 10), "fine");
  EXPECT_EQ(CleanPluginText("two\nlines\x1b[31m", 100), "two lines [31m");
  const std::string cleaned = CleanPluginText(std::string(5000, '\xFF'), 64);
  EXPECT_TRUE(IsValidUtf8(cleaned));
  EXPECT_LE(cleaned.size(), 64u + 32u);
  EXPECT_NE(cleaned.find("(5000 bytes)"), std::string::npos);
}

}  // namespace
}  // namespace riskflow::text
