#include "tools/loadgen/peer_baseline.h"

#include <string>

#include "gtest/gtest.h"
#include "tools/loadgen/synthetic_stream.h"

namespace riskflow::loadgen {
namespace {

constexpr int64_t kT0 = 1767225600000;  // 2026-01-01T00:00:00Z

riskflow::v1::Event Payout(int64_t time_ms, const std::string& account,
                           const std::string& counterparty,
                           int64_t amount_minor,
                           const std::string& currency = "CNY") {
  riskflow::v1::Event e;
  e.set_type(riskflow::v1::PAYOUT);
  e.set_event_time_ms(time_ms);
  e.set_account_id(account);
  e.set_counterparty(counterparty);
  e.set_amount_minor(amount_minor);
  e.set_currency(currency);
  return e;
}

// Ten payouts to different counterparties at 1 s steps: never a duplicate,
// never large, so only the velocity rule can fire.
void TenPayouts(PeerBaseline& peer, const std::string& account,
                int64_t start_ms) {
  for (int i = 0; i < 10; ++i) {
    EXPECT_EQ(peer.OnEvent(Payout(start_ms + i * 1000, account,
                                  "cp-" + std::to_string(i), 100 + i)),
              0u)
        << "payout " << i + 1 << " of 10";
  }
}

TEST(PeerBaselineTest, TenPayoutsInAMinutePassEleventhIsFlagged) {
  PeerBaseline peer;
  TenPayouts(peer, "a", kT0);
  // The 11th within (t - 60 s, t]: 11 > 10.
  EXPECT_EQ(peer.OnEvent(Payout(kT0 + 20000, "a", "cp-x", 7)),
            kPeerVelocity);
  // Another account's count is its own.
  EXPECT_EQ(peer.OnEvent(Payout(kT0 + 20000, "b", "cp-x", 7)), 0u);
  EXPECT_EQ(peer.counts().velocity, 1u);
  EXPECT_EQ(peer.counts().flagged, 1u);
}

TEST(PeerBaselineTest, VelocityWindowIsHalfOpenAtSixtySeconds) {
  PeerBaseline peer;
  TenPayouts(peer, "a", kT0);  // at kT0 .. kT0 + 9 s
  // Exactly 60 s after the first: the first is outside (t - 60 s, t], so
  // this is the 10th in the window, not the 11th.
  EXPECT_EQ(peer.OnEvent(Payout(kT0 + 60000, "a", "cp-x", 7)), 0u);
  // 1 ms less than 60 s after the second (kT0 + 1 s): the second is inside,
  // with the 8 after it and the one above, so this one is the 11th.
  EXPECT_EQ(peer.OnEvent(Payout(kT0 + 60999, "a", "cp-y", 8)),
            kPeerVelocity);
}

TEST(PeerBaselineTest, VelocityCountsOnlyPayouts) {
  PeerBaseline peer;
  for (int i = 0; i < 20; ++i) {
    riskflow::v1::Event e = Payout(kT0 + i, "a", "cp-" + std::to_string(i), 1);
    e.set_type(riskflow::v1::PAYMENT);
    EXPECT_EQ(peer.OnEvent(e), 0u);
  }
  TenPayouts(peer, "a", kT0 + 100);
  EXPECT_EQ(peer.counts().events, 30u);
  EXPECT_EQ(peer.counts().flagged, 0u);
}

TEST(PeerBaselineTest, LargeAmountIsAtOrAboveOneHundredThousandCny) {
  PeerBaseline peer;
  // 99,999.99 CNY in fen: below.
  EXPECT_EQ(peer.OnEvent(Payout(kT0, "a", "cp-1", 9999999)), 0u);
  // Exactly 100,000.00 CNY: at the threshold counts.
  EXPECT_EQ(peer.OnEvent(Payout(kT0 + 1, "b", "cp-1", 10000000)), kPeerLarge);
  // The default pipeline's USD and EUR thresholds.
  EXPECT_EQ(peer.OnEvent(Payout(kT0 + 2, "c", "cp-1", 1499999, "USD")), 0u);
  EXPECT_EQ(peer.OnEvent(Payout(kT0 + 3, "d", "cp-1", 1500000, "USD")),
            kPeerLarge);
  EXPECT_EQ(peer.OnEvent(Payout(kT0 + 4, "e", "cp-1", 1300000, "EUR")),
            kPeerLarge);
  // A currency without a threshold is not checked, as in the pipeline.
  EXPECT_EQ(peer.OnEvent(Payout(kT0 + 5, "f", "cp-1", 900000000, "JPY")), 0u);
  // Only payouts.
  riskflow::v1::Event payment = Payout(kT0 + 6, "g", "cp-1", 20000000);
  payment.set_type(riskflow::v1::PAYMENT);
  EXPECT_EQ(peer.OnEvent(payment), 0u);
  EXPECT_EQ(peer.counts().large, 3u);
}

TEST(PeerBaselineTest, DuplicateWindowIsHalfOpenAtTenMinutes) {
  PeerBaseline peer;
  EXPECT_EQ(peer.OnEvent(Payout(kT0, "a", "cp-1", 500)), 0u);
  // Exactly 600 s later: outside (t - 10 min, t].
  EXPECT_EQ(peer.OnEvent(Payout(kT0 + 600000, "a", "cp-1", 500)), 0u);
  // 599.999 s after the previous copy: inside.
  EXPECT_EQ(peer.OnEvent(Payout(kT0 + 1199999, "a", "cp-1", 500)),
            kPeerDuplicate);
  EXPECT_EQ(peer.counts().duplicate, 1u);
}

TEST(PeerBaselineTest, DuplicateNeedsTheSameAccountCounterpartyAndAmount) {
  PeerBaseline peer;
  EXPECT_EQ(peer.OnEvent(Payout(kT0, "a", "cp-1", 500)), 0u);
  // Same account and amount, another counterparty: not a copy.
  EXPECT_EQ(peer.OnEvent(Payout(kT0 + 1000, "a", "cp-2", 500)), 0u);
  // Same account and counterparty, another amount.
  EXPECT_EQ(peer.OnEvent(Payout(kT0 + 2000, "a", "cp-1", 501)), 0u);
  // Same amount in another currency.
  EXPECT_EQ(peer.OnEvent(Payout(kT0 + 3000, "a", "cp-1", 500, "USD")), 0u);
  // Another account.
  EXPECT_EQ(peer.OnEvent(Payout(kT0 + 4000, "b", "cp-1", 500)), 0u);
  // Fields that would concatenate alike are still different keys.
  EXPECT_EQ(peer.OnEvent(Payout(kT0 + 5000, "a1", "1", 500)), 0u);
  EXPECT_EQ(peer.OnEvent(Payout(kT0 + 6000, "a", "11", 500)), 0u);
  // The real copy of the first.
  EXPECT_EQ(peer.OnEvent(Payout(kT0 + 7000, "a", "cp-1", 500)),
            kPeerDuplicate);
  EXPECT_EQ(peer.counts().flagged, 1u);
}

TEST(PeerBaselineTest, RulesCombineOnOneEvent) {
  PeerBaseline peer;
  TenPayouts(peer, "a", kT0);
  EXPECT_EQ(peer.OnEvent(Payout(kT0 + 10000, "a", "cp-big", 20000000)),
            kPeerVelocity | kPeerLarge);
  EXPECT_EQ(peer.OnEvent(Payout(kT0 + 11000, "a", "cp-big", 20000000)),
            kPeerVelocity | kPeerLarge | kPeerDuplicate);
  EXPECT_EQ(peer.counts().flagged, 2u);
  EXPECT_EQ(peer.counts().velocity, 2u);
  EXPECT_EQ(peer.counts().large, 2u);
  EXPECT_EQ(peer.counts().duplicate, 1u);
}

TEST(PeerBaselineTest, DefaultPipelineRulesCountPaymentsPayoutsTransfers) {
  PeerBaseline peer(PeerRules::DefaultPipeline());
  const riskflow::v1::EventType kTypes[] = {riskflow::v1::PAYMENT,
                                            riskflow::v1::PAYOUT,
                                            riskflow::v1::TRANSFER};
  riskflow::v1::Event login = Payout(kT0, "a", "", 0);
  login.set_type(riskflow::v1::LOGIN);
  // Five in a minute pass (logins are not counted); the 6th is above >5.
  for (int i = 0; i < 5; ++i) {
    riskflow::v1::Event e =
        Payout(kT0 + i * 1000, "a", "cp-" + std::to_string(i), 100);
    e.set_type(kTypes[i % 3]);
    EXPECT_EQ(peer.OnEvent(e), 0u) << i;
    EXPECT_EQ(peer.OnEvent(login), 0u);
  }
  riskflow::v1::Event sixth = Payout(kT0 + 5000, "a", "cp-6", 100);
  sixth.set_type(riskflow::v1::TRANSFER);
  EXPECT_EQ(peer.OnEvent(sixth), kPeerVelocity);
  // Exactly 60 s after the first: it is out, but the 2nd to the 6th and
  // this one are still six in (t - 60 s, t].
  riskflow::v1::Event later = Payout(kT0 + 60000, "a", "cp-7", 100);
  later.set_type(riskflow::v1::PAYMENT);
  EXPECT_EQ(peer.OnEvent(later), kPeerVelocity) << "6 in (t-60 s, t]";
  EXPECT_EQ(peer.OnEvent(Payout(kT0 + 61000, "b", "cp-1", 100)), 0u);
  // The duplicate and large rules stay PAYOUT-only.
  riskflow::v1::Event payment = Payout(kT0 + 62000, "b", "cp-1", 20000000);
  payment.set_type(riskflow::v1::PAYMENT);
  EXPECT_EQ(peer.OnEvent(payment), 0u);
}

TEST(PeerBaselineTest, DefaultPipelineRulesHaveTwoLimitsOnOneHistory) {
  PeerRules rules = PeerRules::DefaultPipeline();
  rules.velocity_max = {20, 5};  // order does not matter
  PeerBaseline peer(rules);
  int flagged = 0;
  // 25 payments 1 s apart: the 6th to the 25th are above >5; the 21st to
  // the 25th also above >20, which sets the same bit.
  for (int i = 0; i < 25; ++i) {
    riskflow::v1::Event e =
        Payout(kT0 + i * 1000, "a", "cp-" + std::to_string(i), 1);
    e.set_type(riskflow::v1::PAYMENT);
    if (peer.OnEvent(e) == kPeerVelocity) ++flagged;
  }
  EXPECT_EQ(flagged, 20);
  // Exactly 60 s after the 25th: it and all before it are out.
  riskflow::v1::Event e = Payout(kT0 + 24000 + 60000, "a", "cp-x", 1);
  e.set_type(riskflow::v1::PAYMENT);
  EXPECT_EQ(peer.OnEvent(e), 0u);
}

// loadgen's own stream: every event seen, the velocity and large rules
// fired (its random counterparties and amounts practically never repeat),
// and a second run over the same batches gives the same counts.
TEST(PeerBaselineTest, LoadgenStreamIsDeterministic) {
  StreamShape shape;
  shape.events = 100000;
  shape.accounts = 20;  // ~750 payouts each in 200 s: the velocity rule fires
  auto batches = MakeBatches(shape);
  PeerCounts a = RunPeerBaseline(batches);
  PeerCounts b = RunPeerBaseline(batches);
  EXPECT_EQ(a.events, shape.events);
  EXPECT_GT(a.velocity, 0u);
  EXPECT_GT(a.large, 0u);
  EXPECT_EQ(a.flagged, b.flagged);
  EXPECT_EQ(a.velocity, b.velocity);
  EXPECT_EQ(a.large, b.large);
  EXPECT_EQ(a.duplicate, b.duplicate);
}

}  // namespace
}  // namespace riskflow::loadgen
