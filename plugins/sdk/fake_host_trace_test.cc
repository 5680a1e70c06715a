// FakeHost::set_trace: every host call reaches the sink with its arguments
// and result, refused calls included.
#include <cstring>
#include <functional>
#include <string>
#include <vector>

#include "gtest/gtest.h"
#include "plugins/sdk/fake_host.h"
#include "plugins/sdk/riskflow_sdk.h"

namespace riskflow {
namespace sdk {
namespace {

// A detector whose OnEvent is set by the test; Init declares one state of
// each kind.
struct Tracee : Detector {
  static std::function<Status(Context&, const Event&)> on_event;
  Status Init(InitContext& ctx, const Params&) override {
    Status s = ctx.DeclareCounter("events", 60000, 1000, &events);
    if (s.ok()) s = ctx.DeclareDistinct("ips", 5000, 1000, &ips);
    if (s.ok()) s = ctx.DeclareLastSeen("last", &last, 10000);
    return s;
  }
  Status OnEvent(Context& ctx, const Event& e) override {
    return on_event ? on_event(ctx, e) : Status::Ok();
  }
  static StateHandle events, ips, last;
};
std::function<Status(Context&, const Event&)> Tracee::on_event;
StateHandle Tracee::events = 0;
StateHandle Tracee::ips = 0;
StateHandle Tracee::last = 0;

const std::vector<rf_param_spec>& NoParams() {
  static const std::vector<rf_param_spec> kParams;
  return kParams;
}

const rf_plugin_descriptor* TraceeDescriptor() {
  static const rf_plugin_descriptor descriptor = [] {
    rf_plugin_descriptor d;
    std::memset(&d, 0, sizeof(d));
    d.struct_size = sizeof(d);
    d.abi_major = RF_ABI_MAJOR;
    d.abi_minor = RF_ABI_MINOR;
    d.name = "tracee";
    d.version = "0";
    d.description = "test";
    d.params = NoParams().data();
    d.param_count = NoParams().size();
    d.create = &internal::Create<Tracee>;
    d.on_event = &internal::OnEvent;
    d.destroy = &internal::Destroy;
    d.last_error = &internal::LastError;
    return d;
  }();
  return &descriptor;
}

class FakeHostTraceTest : public ::testing::Test {
 protected:
  void SetUp() override {
    host_.set_trace([this](const FakeHostCall& call) {
      calls_.push_back(call);
      lines_.push_back(call.ToString());
    });
  }
  void TearDown() override { Tracee::on_event = nullptr; }

  FakeHost host_{TraceeDescriptor()};
  std::vector<FakeHostCall> calls_;
  std::vector<std::string> lines_;
};

TEST_F(FakeHostTraceTest, RecordsDeclarationsDuringCreate) {
  ASSERT_TRUE(host_.Create().ok()) << host_.last_error();
  EXPECT_EQ(lines_, (std::vector<std::string>{
                        "declare_state events COUNTER window=60000ms "
                        "bucket=1000ms -> handle 1",
                        "declare_state ips DISTINCT window=5000ms "
                        "bucket=1000ms -> handle 2",
                        "declare_state last LAST_SEEN ttl=10000ms -> handle 3",
                    }));
}

TEST_F(FakeHostTraceTest, RecordsEveryCallWithArgumentsAndResults) {
  ASSERT_TRUE(host_.Create().ok()) << host_.last_error();
  lines_.clear();
  calls_.clear();
  Tracee::on_event = [](Context& ctx, const Event& e) {
    ctx.Add(Tracee::events, e.account_id());
    ctx.Total(Tracee::events, e.account_id(), 60000);
    ctx.AddDistinct(Tracee::ips, e.account_id(), "10.0.0.1");
    ctx.CountDistinct(Tracee::ips, e.account_id(), 5000);
    ctx.ContainsDistinct(Tracee::ips, e.account_id(), "10.0.0.2", 5000);
    ctx.GetLast(Tracee::last, "a|b");
    ctx.PutLast(Tracee::last, "a|b", e.event_id());
    ctx.GetLast(Tracee::last, "a|b");
    ctx.EventTimeMs();
    ctx.Log(RF_LOG_INFO, "line\n\"two\"");
    Annotation a;
    a.reason_code = "R";
    a.score = 0.5;
    a.route_hint = RF_ROUTE_NOTIFY;
    ctx.Annotate(a);
    return ctx.status();
  };
  ASSERT_TRUE(host_.Feed(FakeEvent().Id("e1").At(7000).Account("a")).ok())
      << host_.last_error();
  EXPECT_EQ(lines_, (std::vector<std::string>{
                        "window_add events[a] +1 -> ok",
                        "window_total events[a] window=60000ms -> 1",
                        "distinct_add ips[a] \"10.0.0.1\" -> ok",
                        "distinct_count ips[a] window=5000ms -> 1",
                        "distinct_contains ips[a] \"10.0.0.2\" "
                        "window=5000ms -> false",
                        "last_get last[a|b] -> not found",
                        "last_put last[a|b] \"e1\" -> ok",
                        "last_get last[a|b] -> \"e1\" @ 7000",
                        "event_time_ms -> 7000",
                        "log INFO \"line\\n\\\"two\\\"\"",
                        "annotate R score=0.5 route=NOTIFY -> ok",
                    }));
  ASSERT_EQ(calls_.size(), 11u);
  EXPECT_EQ(calls_[1].call, "window_total");
  EXPECT_EQ(calls_[1].state, "events");
  EXPECT_TRUE(calls_[1].keyed);
  EXPECT_EQ(calls_[1].entity, "a");
  EXPECT_EQ(calls_[1].args, "window=60000ms");
  EXPECT_EQ(calls_[1].result, "1");
  EXPECT_EQ(calls_[5].status, RF_NOT_FOUND);
}

TEST_F(FakeHostTraceTest, RefusedCallsCarryTheHostsReason) {
  ASSERT_TRUE(host_.Create().ok()) << host_.last_error();
  lines_.clear();
  Tracee::on_event = [](Context& ctx, const Event& e) {
    ctx.Total(Tracee::events, e.account_id(), 120000);
    return ctx.status();
  };
  // The SDK reports only which call failed; the trace says why.
  EXPECT_EQ(host_.Feed(FakeEvent().Id("e1").At(1000).Account("a")).message(),
            "host call window_total failed");
  ASSERT_EQ(lines_.size(), 1u);
  EXPECT_EQ(lines_[0],
            "window_total events[a] window=120000ms -> refused: window_total: "
            "window_ms 120000 exceeds the 60000 declared for state 'events'");
}

TEST_F(FakeHostTraceTest, NoSinkRecordsNothingAndBehavesTheSame) {
  FakeHost quiet(TraceeDescriptor());
  ASSERT_TRUE(quiet.Create().ok());
  int64_t total = 0;
  Tracee::on_event = [&total](Context& ctx, const Event& e) {
    ctx.Add(Tracee::events, e.account_id(), 3);
    total = ctx.Total(Tracee::events, e.account_id(), 60000);
    return ctx.status();
  };
  EXPECT_TRUE(quiet.Feed(FakeEvent().Id("e1").At(1000).Account("a")).ok());
  EXPECT_EQ(total, 3);
  quiet.set_trace(nullptr);  // clearing is allowed
  EXPECT_TRUE(quiet.Feed(FakeEvent().Id("e2").At(1000).Account("a")).ok());
  EXPECT_EQ(total, 6);
}

TEST(FakeHostCallTest, ToStringOmitsEmptyParts) {
  FakeHostCall call;
  call.call = "random_u64";
  call.result = "42";
  EXPECT_EQ(call.ToString(), "random_u64 -> 42");
  call = FakeHostCall();
  call.call = "window_add";
  call.state = "s";
  call.keyed = true;  // an empty entity still shows as []
  call.args = "+1";
  call.result = "ok";
  EXPECT_EQ(call.ToString(), "window_add s[] +1 -> ok");
  call.entity = std::string("a\0b", 3);
  EXPECT_EQ(call.ToString(), "window_add s[\"a\\x00b\"] +1 -> ok");
}

}  // namespace
}  // namespace sdk
}  // namespace riskflow
