#include "tools/riskflow/table.h"

#include "gtest/gtest.h"

namespace riskflow::cli {
namespace {

TEST(FormatTableTest, PadsColumnsAndTrimsTrailingBlanks) {
  EXPECT_EQ(FormatTable({{"NAME", "TYPE", "DOC"},
                         {"max_events", "int", ""},
                         {"w", "duration", "window"}},
                        2),
            "  NAME        TYPE      DOC\n"
            "  max_events  int\n"
            "  w           duration  window\n");
}

TEST(FormatTableTest, EmptyAndRaggedRows) {
  EXPECT_EQ(FormatTable({}), "");
  EXPECT_EQ(FormatTable({{"a"}, {"bb", "c"}}), "a\nbb  c\n");
}

}  // namespace
}  // namespace riskflow::cli
