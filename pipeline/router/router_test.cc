#include "pipeline/router/router.h"

#include <string>

#include "gmock/gmock.h"
#include "gtest/gtest.h"
#include "proto/riskflow/v1/config.pb.h"
#include "proto/riskflow/v1/decision.pb.h"

namespace riskflow {
namespace router {
namespace {

using ::riskflow::v1::Annotation;
using ::riskflow::v1::Decision;
using ::riskflow::v1::PipelineConfig;
using ::riskflow::v1::Route;
using ::testing::ElementsAre;

constexpr Route kUnset = riskflow::v1::ROUTE_UNSPECIFIED;
constexpr Route kPass = riskflow::v1::PASS;
constexpr Route kNotify = riskflow::v1::NOTIFY;
constexpr Route kReview = riskflow::v1::MANUAL_REVIEW;
constexpr Route kFreeze = riskflow::v1::FREEZE;

// freezer: configured FREEZE; notifier: configured NOTIFY; hinted: no
// configured route; lenient: no route, fails open (on_error PASS).
PipelineConfig Config() {
  PipelineConfig config;
  auto add = [&](const std::string& name, Route route, Route on_error) {
    riskflow::v1::DetectorConfig* d = config.add_detectors();
    d->set_name(name);
    d->set_plugin("p");
    d->set_route(route);
    d->set_on_error(on_error);
  };
  add("freezer", kFreeze, kReview);
  add("notifier", kNotify, kReview);
  add("hinted", kUnset, kReview);
  add("lenient", kUnset, kPass);
  return config;
}

Annotation* Add(Decision* decision, const std::string& detector,
                Route hint = kUnset) {
  Annotation* a = decision->add_annotations();
  a->set_detector(detector);
  a->set_route_hint(hint);
  return a;
}

std::vector<int> Routes(const Decision& d) {
  return std::vector<int>(d.routes().begin(), d.routes().end());
}

TEST(RouterTest, NoAnnotationsPasses) {
  Decision d;
  d.add_routes(kFreeze);  // stale input must be replaced, not appended to
  Router(Config()).Decide(&d);
  EXPECT_THAT(Routes(d), ElementsAre(kPass));
  EXPECT_EQ(d.route(), kPass);
}

TEST(RouterTest, FreezeAndNotifyGoToBothSinks) {
  Decision d;
  Add(&d, "notifier");
  Add(&d, "freezer");
  Router(Config()).Decide(&d);
  EXPECT_EQ(d.annotations(0).route(), kNotify);
  EXPECT_EQ(d.annotations(1).route(), kFreeze);
  EXPECT_THAT(Routes(d), ElementsAre(kFreeze, kNotify));
  EXPECT_EQ(d.route(), kFreeze);
}

TEST(RouterTest, RoutesAreDistinctAndSortedBySeverity) {
  Decision d;
  Add(&d, "notifier");
  Add(&d, "hinted", kReview);
  Add(&d, "unknown_detector", kNotify);
  Add(&d, "freezer");
  Add(&d, "hinted", kPass);
  Router(Config()).Decide(&d);
  EXPECT_THAT(Routes(d), ElementsAre(kFreeze, kReview, kNotify));
  EXPECT_EQ(d.route(), kFreeze);
}

TEST(RouterTest, ConfiguredRouteOverridesHint) {
  Decision d;
  Add(&d, "notifier", kFreeze);
  Router(Config()).Decide(&d);
  EXPECT_EQ(d.annotations(0).route(), kNotify);
  EXPECT_EQ(d.annotations(0).route_hint(), kFreeze);  // kept for analysts
  EXPECT_THAT(Routes(d), ElementsAre(kNotify));
}

TEST(RouterTest, HintUsedWithoutConfiguredRoute) {
  Decision d;
  Add(&d, "hinted", kFreeze);
  Router(Config()).Decide(&d);
  EXPECT_EQ(d.annotations(0).route(), kFreeze);
  EXPECT_EQ(d.route(), kFreeze);
}

TEST(RouterTest, PassHintOnlyPasses) {
  Decision d;
  Add(&d, "hinted", kPass);
  Router(Config()).Decide(&d);
  EXPECT_EQ(d.annotations(0).route(), kPass);
  EXPECT_THAT(Routes(d), ElementsAre(kPass));
}

TEST(RouterTest, UnroutedFindingGoesToManualReview) {
  Decision d;
  Add(&d, "hinted");                          // no hint
  Add(&d, "hinted", static_cast<Route>(42));  // hint this build can't read
  Router(Config()).Decide(&d);
  EXPECT_EQ(d.annotations(0).route(), kReview);
  EXPECT_EQ(d.annotations(1).route(), kReview);
  EXPECT_THAT(Routes(d), ElementsAre(kReview));
}

TEST(RouterTest, DetectorMissingFromConfigUsesHint) {
  Decision d;
  Add(&d, "not_configured", kNotify);
  Add(&d, "also_not_configured");
  Router(Config()).Decide(&d);
  EXPECT_EQ(d.annotations(0).route(), kNotify);
  EXPECT_EQ(d.annotations(1).route(), kReview);
  EXPECT_THAT(Routes(d), ElementsAre(kReview, kNotify));
}

TEST(RouterTest, DegradedAnnotationKeepsItsRoute) {
  Decision d;
  // The failure policy set PASS on a FREEZE detector: the configured route
  // must not turn a tolerated fault into a freeze.
  Annotation* a = Add(&d, "freezer");
  a->set_degraded(true);
  a->set_route(kPass);
  Router(Config()).Decide(&d);
  EXPECT_EQ(d.annotations(0).route(), kPass);
  EXPECT_THAT(Routes(d), ElementsAre(kPass));
}

TEST(RouterTest, DegradedWithoutRouteFallsBackToOnErrorThenReview) {
  Decision d;
  Add(&d, "lenient")->set_degraded(true);
  Add(&d, "freezer")->set_degraded(true);
  Add(&d, "not_configured", kFreeze)->set_degraded(true);
  Router(Config()).Decide(&d);
  EXPECT_EQ(d.annotations(0).route(), kPass);    // lenient's on_error
  EXPECT_EQ(d.annotations(1).route(), kReview);  // freezer's on_error
  EXPECT_EQ(d.annotations(2).route(), kReview);  // hint ignored when degraded
  EXPECT_THAT(Routes(d), ElementsAre(kReview));
}

TEST(RouterTest, DecideIsIdempotent) {
  Decision d;
  Add(&d, "notifier");
  Add(&d, "freezer");
  const Router router(Config());
  router.Decide(&d);
  const std::string first = d.SerializeAsString();
  router.Decide(&d);
  EXPECT_EQ(d.SerializeAsString(), first);
}

}  // namespace
}  // namespace router
}  // namespace riskflow
