#include "plugins/sdk/fake_host.h"

#include <cstring>
#include <functional>
#include <limits>
#include <optional>
#include <string>
#include <vector>

#include "gtest/gtest.h"
#include "plugins/sdk/riskflow_sdk.h"

namespace riskflow {
namespace sdk {
namespace {

// A detector whose Init and OnEvent are set by the test, so each test pokes
// the host API exactly the way it wants.
struct Probe : Detector {
  static std::function<Status(InitContext&, const Params&)> init;
  static std::function<Status(Context&, const Event&)> on_event;
  Status Init(InitContext& ctx, const Params& p) override {
    return init ? init(ctx, p) : Status::Ok();
  }
  Status OnEvent(Context& ctx, const Event& e) override {
    return on_event ? on_event(ctx, e) : Status::Ok();
  }
};
std::function<Status(InitContext&, const Params&)> Probe::init;
std::function<Status(Context&, const Event&)> Probe::on_event;

const std::vector<rf_param_spec>& ProbeParams() {
  static const std::vector<rf_param_spec> kParams = {
      WithRange(Param("limit", RF_PARAM_INT, "3", "a limit"), 1, 100)};
  return kParams;
}

// What RISKFLOW_DETECTOR builds, without defining the global entry symbol.
const rf_plugin_descriptor* ProbeDescriptor() {
  static const rf_plugin_descriptor descriptor = [] {
    rf_plugin_descriptor d;
    std::memset(&d, 0, sizeof(d));
    d.struct_size = sizeof(d);
    d.abi_major = RF_ABI_MAJOR;
    d.abi_minor = RF_ABI_MINOR;
    d.name = "probe";
    d.version = "0";
    d.description = "test";
    d.params = ProbeParams().data();
    d.param_count = ProbeParams().size();
    d.create = &internal::Create<Probe>;
    d.on_event = &internal::OnEvent;
    d.destroy = &internal::Destroy;
    d.last_error = &internal::LastError;
    return d;
  }();
  return &descriptor;
}

class FakeHostTest : public ::testing::Test {
 protected:
  void SetUp() override {
    Probe::init = [this](InitContext& ctx, const Params&) {
      Status s = ctx.DeclareSum("sum", 5000, 1000, &sum_);
      if (s.ok()) s = ctx.DeclareDistinct("ips", 5000, 1000, &ips_);
      if (s.ok()) s = ctx.DeclareLastSeen("last", &last_, 10000);
      return s;
    };
    Probe::on_event = nullptr;
  }
  void TearDown() override {
    Probe::init = nullptr;
    Probe::on_event = nullptr;
  }
  // Runs fn as the body of OnEvent for one event at time t.
  Status At(FakeHost& host, int64_t t, std::function<void(Context&)> fn,
            std::string id = "e") {
    Probe::on_event = [fn](Context& ctx, const Event&) {
      fn(ctx);
      return ctx.status();
    };
    return host.Feed(FakeEvent().Id(id).At(t).Account("a"));
  }
  StateHandle sum_ = 0, ips_ = 0, last_ = 0;
};

// Like the real host (pipeline/state): sums saturate, never wrap.
TEST_F(FakeHostTest, SumsSaturateLikeTheRealHost) {
  FakeHost host(ProbeDescriptor());
  ASSERT_TRUE(host.Create().ok()) << host.last_error();
  constexpr int64_t kMax = std::numeric_limits<int64_t>::max();
  ASSERT_TRUE(At(host, 0, [&](Context& c) { c.Add(sum_, "k", kMax); }).ok());
  ASSERT_TRUE(At(host, 0, [&](Context& c) { c.Add(sum_, "k", kMax); }).ok());
  ASSERT_TRUE(
      At(host, 1000, [&](Context& c) { c.Add(sum_, "k", kMax); }).ok());
  int64_t got = 0;
  ASSERT_TRUE(
      At(host, 1000, [&](Context& c) { got = c.Total(sum_, "k", 5000); }).ok());
  EXPECT_EQ(got, kMax);
}

TEST_F(FakeHostTest, WindowTotalFollowsBuckets) {
  FakeHost host(ProbeDescriptor());
  ASSERT_TRUE(host.Create().ok()) << host.last_error();
  ASSERT_TRUE(At(host, 999, [&](Context& c) { c.Add(sum_, "k", 5); }).ok());
  ASSERT_TRUE(At(host, 1000, [&](Context& c) { c.Add(sum_, "k", 7); }).ok());
  int64_t got = -1;
  // t=5999, 5s window: [1000, 5999] -> buckets 1..5: bucket 0 is out.
  ASSERT_TRUE(
      At(host, 5999, [&](Context& c) { got = c.Total(sum_, "k", 5000); }).ok());
  EXPECT_EQ(got, 7);
  // t=5998: [999, 5998] -> buckets 0..5: the whole first bucket counts.
  ASSERT_TRUE(
      At(host, 5998, [&](Context& c) { got = c.Total(sum_, "k", 5000); }).ok());
  EXPECT_EQ(got, 12);
  // A shorter query window than declared is fine.
  ASSERT_TRUE(
      At(host, 1500, [&](Context& c) { got = c.Total(sum_, "k", 1); }).ok());
  EXPECT_EQ(got, 7);
  // Entities are separate.
  ASSERT_TRUE(At(host, 1500, [&](Context& c) {
                got = c.Total(sum_, "other", 5000);
              }).ok());
  EXPECT_EQ(got, 0);
}

TEST_F(FakeHostTest, NegativeEventTimesFloorIntoBuckets) {
  FakeHost host(ProbeDescriptor());
  ASSERT_TRUE(host.Create().ok());
  ASSERT_TRUE(At(host, -1, [&](Context& c) { c.Add(sum_, "k", 1); }).ok());
  ASSERT_TRUE(At(host, -1000, [&](Context& c) { c.Add(sum_, "k", 10); }).ok());
  ASSERT_TRUE(At(host, -1001, [&](Context& c) { c.Add(sum_, "k", 100); }).ok());
  int64_t got = -1;
  // t=0, 1ms window: bucket 0 only; -1 is in bucket -1.
  ASSERT_TRUE(
      At(host, 0, [&](Context& c) { got = c.Total(sum_, "k", 1); }).ok());
  EXPECT_EQ(got, 0);
  // t=-1, 1ms window: bucket -1 = [-1000, -1].
  ASSERT_TRUE(
      At(host, -1, [&](Context& c) { got = c.Total(sum_, "k", 1); }).ok());
  EXPECT_EQ(got, 11);
  ASSERT_TRUE(
      At(host, 0, [&](Context& c) { got = c.Total(sum_, "k", 2000); }).ok());
  EXPECT_EQ(got, 111);
}

TEST_F(FakeHostTest, DistinctCountsMembersInRange) {
  FakeHost host(ProbeDescriptor());
  ASSERT_TRUE(host.Create().ok());
  ASSERT_TRUE(
      At(host, 0, [&](Context& c) { c.AddDistinct(ips_, "k", "ip1"); }).ok());
  ASSERT_TRUE(At(host, 3000, [&](Context& c) {
                c.AddDistinct(ips_, "k", "ip2");
                c.AddDistinct(ips_, "k", "ip2");
              }).ok());
  int64_t count = -1;
  bool has1 = false, has2 = false;
  auto query = [&](Context& c) {
    count = c.CountDistinct(ips_, "k", 5000);
    has1 = c.ContainsDistinct(ips_, "k", "ip1", 5000);
    has2 = c.ContainsDistinct(ips_, "k", "ip2", 5000);
  };
  ASSERT_TRUE(At(host, 4999, query).ok());
  EXPECT_EQ(count, 2);
  EXPECT_TRUE(has1);
  EXPECT_TRUE(has2);
  ASSERT_TRUE(At(host, 5000, query).ok());  // [1, 5000]: bucket 0 still in
  EXPECT_EQ(count, 2);
  ASSERT_TRUE(At(host, 6000, query).ok());  // [1001, 6000]: ip1 aged out
  EXPECT_EQ(count, 1);
  EXPECT_FALSE(has1);
  EXPECT_TRUE(has2);
}

TEST_F(FakeHostTest, LastSeenTtlAndOverwrite) {
  FakeHost host(ProbeDescriptor());
  ASSERT_TRUE(host.Create().ok());
  std::optional<Context::LastValue> got;
  auto get = [&](Context& c) { got = c.GetLast(last_, "k"); };
  ASSERT_TRUE(At(host, 0, get).ok());
  EXPECT_FALSE(got.has_value());
  ASSERT_TRUE(
      At(host, 100, [&](Context& c) { c.PutLast(last_, "k", "v1"); }).ok());
  std::string value;
  int64_t time = 0;
  auto get_copy = [&](Context& c) {
    got = c.GetLast(last_, "k");
    if (got) value = std::string(got->value), time = got->event_time_ms;
  };
  ASSERT_TRUE(At(host, 100, get_copy).ok());  // same millisecond: there
  EXPECT_EQ(value, "v1");
  EXPECT_EQ(time, 100);
  value.clear();
  ASSERT_TRUE(At(host, 10099, get_copy).ok());  // ttl - 1 ms: still there
  EXPECT_EQ(value, "v1");
  // Exactly ttl: gone, the ttl is the half-open window (t - ttl, t].
  ASSERT_TRUE(At(host, 10100, get).ok());
  EXPECT_FALSE(got.has_value());
  // Overwrite; and the value read before a put stays valid until the call
  // returns.
  std::string seen_after_put;
  ASSERT_TRUE(At(host, 200, [&](Context& c) {
                auto before = c.GetLast(last_, "k");
                c.PutLast(last_, "k", "a much longer second value");
                seen_after_put = std::string(before->value);
              }).ok());
  EXPECT_EQ(seen_after_put, "v1");
  ASSERT_TRUE(At(host, 300, get_copy).ok());
  EXPECT_EQ(value, "a much longer second value");
  EXPECT_EQ(time, 200);
}

// The engine's visibility rule for events later than the allowed lateness
// (pipeline/state/shard_state.h): sum 5 s window, bucket 1 s; ips the same;
// last-seen ttl 10 s.
TEST_F(FakeHostTest, WatermarkClipsWhatLateEventsSee) {
  FakeHost host(ProbeDescriptor());
  ASSERT_TRUE(host.Create().ok());
  for (int64_t t = 0; t <= 20000; t += 1000) {
    ASSERT_TRUE(At(host, t, [&](Context& c) {
                  c.Add(sum_, "k", 1);
                  c.AddDistinct(ips_, "k", "ip" + std::to_string(t));
                }).ok());
  }
  ASSERT_TRUE(
      At(host, 5000, [&](Context& c) { c.PutLast(last_, "k", "v"); }).ok());
  int64_t total = -1, count = -1;
  std::optional<Context::LastValue> last;
  auto query = [&](Context& c) {
    total = c.Total(sum_, "k", 5000);
    count = c.CountDistinct(ips_, "k", 5000);
    last = c.GetLast(last_, "k");
  };
  // Without a watermark a late event sees its whole window: [4001, 9000].
  ASSERT_TRUE(At(host, 9000, query).ok());
  EXPECT_EQ(total, 6);  // buckets 4..9
  EXPECT_EQ(count, 6);
  EXPECT_TRUE(last.has_value());
  // Watermark 12 s: windowed data from the bucket of 12 - 5 + 0.001 = 7 s
  // on, last-seen values stored after 12 - 10 = 2 s.
  host.set_watermark(12000);
  ASSERT_TRUE(At(host, 9000, query).ok());
  EXPECT_EQ(total, 3);  // buckets 7..9
  EXPECT_EQ(count, 3);
  EXPECT_TRUE(last.has_value());  // stored at 5 s
  // Watermark 16 s: the value stored at 5 s is behind 6 s; an add at 3 s
  // is ignored; a lower watermark changes nothing.
  host.set_watermark(16000);
  host.set_watermark(0);
  ASSERT_TRUE(At(host, 3000, [&](Context& c) { c.Add(sum_, "k", 100); }).ok());
  ASSERT_TRUE(At(host, 9000, query).ok());
  EXPECT_EQ(total, 0);  // buckets 11.. are after 9 s
  EXPECT_FALSE(last.has_value());
  ASSERT_TRUE(At(host, 20000, query).ok());
  EXPECT_EQ(total, 6);  // on time: buckets 15..20, unaffected
}

TEST_F(FakeHostTest, MisuseIsRefused) {
  FakeHost host(ProbeDescriptor());
  ASSERT_TRUE(host.Create().ok());
  EXPECT_EQ(
      At(host, 0, [&](Context& c) { c.Total(sum_, "k", 5001); }).message(),
      "host call window_total failed");
  EXPECT_EQ(host.host_errors().back(),
            "window_total: window_ms 5001 exceeds the 5000 declared for state "
            "'sum'");
  EXPECT_FALSE(At(host, 0, [&](Context& c) { c.Total(sum_, "k", 0); }).ok());
  EXPECT_FALSE(At(host, 0, [&](Context& c) { c.Add(99, "k"); }).ok());
  EXPECT_EQ(host.host_errors().back(), "window_add: unknown state handle 99");
  EXPECT_FALSE(At(host, 0, [&](Context& c) { c.Add(ips_, "k"); }).ok());
  EXPECT_EQ(host.host_errors().back(), "window_add: state 'ips' is DISTINCT");
  EXPECT_FALSE(At(host, 0, [&](Context& c) { c.GetLast(sum_, "k"); }).ok());
}

// Captures the raw contexts the way a buggy plugin might stash them.
const rf_host_api* saved_api = nullptr;
rf_init_ctx* saved_init_ctx = nullptr;
rf_status CreateAndSave(const rf_host_api* host, rf_init_ctx* ctx,
                        const rf_param_value* params, size_t count,
                        void** instance, char* error, size_t error_len) {
  saved_api = host;
  saved_init_ctx = ctx;
  return internal::Create<Probe>(host, ctx, params, count, instance, error,
                                 error_len);
}

TEST_F(FakeHostTest, DeclareOnlyDuringCreateAndStateOnlyDuringEvent) {
  Probe::init = [&](InitContext& ctx, const Params&) {
    // Same name, same spec: same handle. Different spec: refused.
    StateHandle a = 0, b = 0, c = 0;
    EXPECT_TRUE(ctx.DeclareCounter("n", 1000, 100, &a).ok());
    EXPECT_TRUE(ctx.DeclareCounter("n", 1000, 100, &b).ok());
    EXPECT_EQ(a, b);
    EXPECT_FALSE(ctx.DeclareCounter("n", 2000, 100, &c).ok());
    EXPECT_FALSE(ctx.DeclareCounter("short_ttl", 1000, 100, &c, 10).ok());
    EXPECT_FALSE(ctx.DeclareCounter("zero", 0, 100, &c).ok());
    EXPECT_FALSE(ctx.DeclareCounter("wide_bucket", 100, 1000, &c).ok());
    return Status::Ok();
  };
  rf_plugin_descriptor d = *ProbeDescriptor();
  d.create = &CreateAndSave;
  FakeHost host(&d);
  ASSERT_TRUE(host.Create().ok()) << host.last_error();
  ASSERT_NE(saved_init_ctx, nullptr);

  rf_state_spec spec;
  std::memset(&spec, 0, sizeof(spec));
  spec.struct_size = sizeof(spec);
  spec.name = "late";
  spec.kind = RF_STATE_LAST_SEEN;
  rf_state_handle h = 0;
  Probe::on_event = [&](Context&, const Event&) {
    EXPECT_EQ(saved_api->declare_state(saved_init_ctx, &spec, &h),
              RF_INVALID_ARGUMENT);
    EXPECT_EQ(host.host_errors().back(),
              "declare_state: only valid during create()");
    return Status::Ok();
  };
  EXPECT_TRUE(host.Feed(FakeEvent().Id("e")).ok()) << host.last_error();
  // After create() returned, too; and the init context is no call context.
  EXPECT_EQ(saved_api->declare_state(saved_init_ctx, &spec, &h),
            RF_INVALID_ARGUMENT);
  EXPECT_EQ(
      saved_api->window_add(reinterpret_cast<rf_call_ctx*>(saved_init_ctx), 1,
                            rf_str{"k", 1}, 1),
      RF_INVALID_ARGUMENT);
  EXPECT_EQ(host.host_errors().back(),
            "window_add: only valid during on_event()");
}

TEST_F(FakeHostTest, ParamsAndErrorsReachTheTest) {
  FakeHost bad(ProbeDescriptor());
  Status s = bad.Create({{"limit", "500"}});
  EXPECT_EQ(s.message(), "parameter 'limit': 500 is out of range [1, 100]");
  EXPECT_FALSE(bad.Feed(FakeEvent()).ok());  // never created

  Probe::init = [](InitContext&, const Params& p) {
    return p.Int("limit") == 7 ? Status::Error("seven is unlucky")
                               : Status::Ok();
  };
  FakeHost refused(ProbeDescriptor());
  EXPECT_EQ(refused.Create({{"limit", "7"}}).message(), "seven is unlucky");

  FakeHost host(ProbeDescriptor());
  ASSERT_TRUE(host.Create({{"limit", "8"}}).ok());
  EXPECT_EQ(host.params().AsMap().at("limit"), "8");
  EXPECT_FALSE(host.Create().ok());  // twice
  Probe::on_event = [](Context&, const Event&) -> Status {
    throw std::runtime_error("boom");
  };
  EXPECT_EQ(host.Feed(FakeEvent()).message(), "exception in OnEvent: boom");
  EXPECT_EQ(host.last_error(), "exception in OnEvent: boom");
}

TEST_F(FakeHostTest, AnnotationsClockRandomAndLogs) {
  FakeHost host(ProbeDescriptor());
  ASSERT_TRUE(host.Create().ok());
  std::vector<uint64_t> draws;
  Probe::on_event = [&](Context& ctx, const Event& e) {
    draws.push_back(ctx.Random());
    ctx.Log(RF_LOG_INFO, "at " + std::to_string(ctx.EventTimeMs()));
    Annotation a;
    a.score = 0.25;
    a.reason_code = "R";
    a.message =
        std::string(e.event_id()) + " " + std::string(*e.Attribute("k"));
    a.evidence = {{"x", "1"}};
    a.route_hint = RF_ROUTE_NOTIFY;
    ctx.Annotate(a);
    return ctx.status();
  };
  std::vector<FakeAnnotation> out;
  ASSERT_TRUE(host.Feed(FakeEvent().Id("e1").At(42).Attr("k", "v"), &out).ok());
  ASSERT_EQ(out.size(), 1u);
  EXPECT_EQ(out[0].detector, "probe");
  EXPECT_EQ(out[0].reason_code, "R");
  EXPECT_EQ(out[0].message, "e1 v");
  EXPECT_DOUBLE_EQ(out[0].score, 0.25);
  EXPECT_EQ(out[0].Evidence("x"), "1");
  EXPECT_EQ(out[0].Evidence("missing"), "");
  EXPECT_EQ(out[0].route_hint, RF_ROUTE_NOTIFY);
  EXPECT_EQ(host.logs().back().message, "at 42");
  // Same (detector, channel, event_id) -> same draw; another id differs.
  ASSERT_TRUE(host.Feed(FakeEvent().Id("e1").At(43).Attr("k", "v")).ok());
  ASSERT_TRUE(host.Feed(FakeEvent().Id("e2").At(43).Attr("k", "v")).ok());
  EXPECT_EQ(draws[0], draws[1]);
  EXPECT_NE(draws[0], draws[2]);
  EXPECT_EQ(draws[0], SplitMix64(RandomSeed("probe", "test", "e1")).Next());
  EXPECT_EQ(host.last_annotations().size(), 1u);

  host.set_detector_name("probe_eu");
  ASSERT_TRUE(host.Feed(FakeEvent().Id("e1").At(43).Attr("k", "v"), &out).ok());
  EXPECT_EQ(out[0].detector, "probe_eu");
  EXPECT_EQ(draws.back(),
            SplitMix64(RandomSeed("probe_eu", "test", "e1")).Next());
}

TEST(FakeHostDescriptorTest, RefusesNewerAbi) {
  rf_plugin_descriptor d = *ProbeDescriptor();
  d.abi_minor = RF_ABI_MINOR + 1;
  FakeHost host(&d);
  EXPECT_EQ(host.Create().message(),
            "plugin 'probe' needs ABI 1.4, this host speaks 1.3");
}

}  // namespace
}  // namespace sdk
}  // namespace riskflow
