#include "pipeline/cases/evidence_html.h"

#include "gmock/gmock.h"
#include "gtest/gtest.h"
#include "pipeline/cases/test_util.h"

namespace riskflow::cases {
namespace {

using ::testing::HasSubstr;
using ::testing::Not;

TEST(EvidenceHtmlTest, ShowsEvidenceAndHashAndEscapes) {
  Case c;
  c.id = 7;
  c.account_id = "acct<script>";
  c.severity = "FREEZE";
  AttachedDecision d;
  d.sink = "FREEZE";
  d.decision = testing::FlaggedDecision("e1", "acct<script>",
                                        riskflow::v1::FREEZE, 3);
  CaseAction a;
  a.actor = "alice";
  a.role = "reviewer";
  a.action = "note";
  a.from_state = a.to_state = "OPEN";
  a.note = "called \"customer\" & left <msg>";
  a.attachments = {"ticket://1"};
  const std::string html =
      RenderEvidenceHtml(c, {d}, {a}, std::string(64, 'a'));
  EXPECT_THAT(html, HasSubstr(std::string(64, 'a')));
  EXPECT_THAT(html, HasSubstr("acct&lt;script&gt;"));
  EXPECT_THAT(html, Not(HasSubstr("<script>")));
  EXPECT_THAT(html, HasSubstr("velocity_extreme"));
  EXPECT_THAT(html, HasSubstr("count = 21"));
  EXPECT_THAT(html, HasSubstr("build-abc"));
  EXPECT_THAT(html,
              HasSubstr("called &quot;customer&quot; &amp; left &lt;msg&gt;"));
  EXPECT_THAT(html, HasSubstr("ticket://1"));
}

}  // namespace
}  // namespace riskflow::cases
