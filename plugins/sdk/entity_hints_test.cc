// ABI 1.3's entity hints through the SDK: a detector that overrides
// EntityHints exports the callback, one that does not exports none, and the
// fake host hands the named entities back (plugins/sdk/hint_check.h).
#include <cstring>
#include <stdexcept>
#include <string>
#include <vector>

#include "gtest/gtest.h"
#include "plugins/sdk/fake_host.h"
#include "plugins/sdk/hint_check.h"
#include "plugins/sdk/riskflow_sdk.h"

namespace riskflow {
namespace sdk {
namespace {

std::string PairKey(const Event& e) {
  return std::string(e.account_id()) + "|" + std::string(e.currency());
}

// Counts per account and per account|currency; hints both.
struct Hinting : Detector {
  StateHandle events_ = 0;
  Status Init(InitContext& ctx, const Params&) override {
    return ctx.DeclareCounter("events", 60000, 1000, &events_);
  }
  Status OnEvent(Context& ctx, const Event& e) override {
    ctx.Add(events_, e.account_id());
    if (!e.currency().empty()) ctx.Add(events_, PairKey(e));
    return ctx.status();
  }
  void EntityHints(const Event& e, Hints& hints) const override {
    hints.Add(e.account_id());
    if (!e.currency().empty()) hints.Add(PairKey(e));
  }
};

// The same without hints.
struct Silent : Detector {
  Status Init(InitContext&, const Params&) override { return Status::Ok(); }
  Status OnEvent(Context&, const Event&) override { return Status::Ok(); }
};

// Keyed by the account only: declines hints for good.
struct Declining : Hinting {
  bool HintsUseful() const override { return false; }
  Status OnEvent(Context& ctx, const Event& e) override {
    ctx.Add(events_, e.account_id());
    return ctx.status();
  }
};

// Throws from its hints: the SDK turns that into a non-OK return.
struct Throwing : Silent {
  void EntityHints(const Event&, Hints&) const override {
    throw std::runtime_error("boom");
  }
};

template <typename T>
const rf_plugin_descriptor* DescriptorFor(const char* name) {
  static const rf_plugin_descriptor descriptor = [name] {
    rf_plugin_descriptor d;
    std::memset(&d, 0, sizeof(d));
    d.struct_size = sizeof(d);
    d.abi_major = RF_ABI_MAJOR;
    d.abi_minor = RF_ABI_MINOR;
    d.name = name;
    d.version = "0";
    d.description = "test";
    d.create = &internal::Create<T>;
    d.on_event = &internal::OnEvent;
    d.destroy = &internal::Destroy;
    d.last_error = &internal::LastError;
    d.entity_hints = internal::HintsCallbackFor<T>();
    return d;
  }();
  return &descriptor;
}

TEST(EntityHintsTest, OnlyAnOverrideExportsTheCallback) {
  EXPECT_NE(internal::HintsCallbackFor<Hinting>(), nullptr);
  EXPECT_NE(internal::HintsCallbackFor<Throwing>(), nullptr);
  EXPECT_EQ(internal::HintsCallbackFor<Silent>(), nullptr);
  FakeHost silent(DescriptorFor<Silent>("silent"));
  ASSERT_TRUE(silent.Create().ok());
  EXPECT_FALSE(silent.has_entity_hints());
  std::vector<std::string> hints = {"stale"};
  EXPECT_TRUE(silent.EntityHints(FakeEvent().Account("a1"), &hints).ok());
  EXPECT_TRUE(hints.empty());
}

TEST(EntityHintsTest, HintsMatchWhatOnEventTouched) {
  FakeHost host(DescriptorFor<Hinting>("hinting"));
  ASSERT_TRUE(host.Create().ok());
  ASSERT_TRUE(host.has_entity_hints());
  std::vector<std::string> hints;
  ASSERT_TRUE(
      host.EntityHints(FakeEvent().Account("a1").Amount(5, "CNY"), &hints)
          .ok());
  EXPECT_EQ(hints, (std::vector<std::string>{"a1", "a1|CNY"}));

  HintCheck c = FeedCheckingHints(
      host, FakeEvent().Id("e1").At(1000).Account("a1").Amount(5, "USD"));
  ASSERT_TRUE(c.hints.ok());
  ASSERT_TRUE(c.fed.ok()) << c.fed.message();
  EXPECT_EQ(c.touched, (std::set<std::string>{"a1", "a1|USD"}));
  EXPECT_EQ(c.hinted, c.touched);
}

TEST(EntityHintsTest, AnInstanceCanDeclineHintsForGood) {
  FakeHost host(DescriptorFor<Declining>("declining"));
  ASSERT_TRUE(host.Create().ok());
  ASSERT_TRUE(host.has_entity_hints());
  std::vector<std::string> hints = {"stale"};
  ASSERT_TRUE(
      host.EntityHints(FakeEvent().Account("a1").Amount(5, "CNY"), &hints)
          .ok());
  EXPECT_TRUE(hints.empty());
  EXPECT_TRUE(host.hints_declined());
  // Touching only the account is what declining promises.
  EXPECT_EQ(CheckHintsOverStream(
                host, {FakeEvent().Id("e1").At(1000).Account("a1")}),
            "");
}

TEST(EntityHintsTest, AThrowingHintIsAnErrorReturnNotACrash) {
  FakeHost host(DescriptorFor<Throwing>("throwing"));
  ASSERT_TRUE(host.Create().ok());
  std::vector<std::string> hints;
  EXPECT_FALSE(host.EntityHints(FakeEvent().Account("a1"), &hints).ok());
  // on_event is unaffected.
  EXPECT_TRUE(host.Feed(FakeEvent().Id("e1").Account("a1")).ok());
}

TEST(EntityHintsTest, ADescriptorWithoutTheFieldStillLoads) {
  // A plugin built against ABI 1.2: its descriptor ends at last_error.
  rf_plugin_descriptor d = *DescriptorFor<Silent>("old");
  d.struct_size = offsetof(rf_plugin_descriptor, last_error) +
                  sizeof(d.last_error);
  d.abi_minor = 2;
  d.entity_hints = &internal::EntityHints;  // beyond struct_size: unread
  FakeHost host(&d);
  ASSERT_TRUE(host.Create().ok()) << host.last_error();
  EXPECT_FALSE(host.has_entity_hints());
  EXPECT_TRUE(host.Feed(FakeEvent().Id("e1").Account("a1")).ok());
}

}  // namespace
}  // namespace sdk
}  // namespace riskflow
