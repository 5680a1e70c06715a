// Test-only detector: fails on demand so //pipeline/plugin_host tests can
// check fault containment (degraded annotations, discarded partial output,
// quarantine) and create() refusals through the real host.
//
// Parameters:
//   fail_every         INT   0 = never; fail when sequence % fail_every == 0
//   throw              BOOL  fail by throwing std::runtime_error
//   annotate           BOOL  annotate FAULTY_SEEN on every event (before
//                            failing, on failing events), evidence carries
//                            ctx.Random() so determinism is observable
//   bad_handle         BOOL  fail through a host call with an undeclared
//                            state handle
//   declare_bad_state  BOOL  Init declares a window with bucket > window
//   sleep_ms           INT   sleep this long in every OnEvent (wall clock:
//                            only to overrun the host's time budget)
#include <chrono>
#include <stdexcept>
#include <string>
#include <thread>
#include <vector>

#include "plugins/sdk/riskflow_sdk.h"

namespace riskflow {
namespace testing {
namespace {

const std::vector<rf_param_spec>& FaultyParams() {
  static const std::vector<rf_param_spec> kParams = {
      sdk::WithRange(sdk::Param("fail_every", RF_PARAM_INT, "0",
                                "Fail when sequence % fail_every == 0; 0 = "
                                "never."),
                     0, 1e9),
      sdk::Param("throw", RF_PARAM_BOOL, "false",
                 "Throw std::runtime_error instead of returning an error."),
      sdk::Param("annotate", RF_PARAM_BOOL, "false",
                 "Annotate FAULTY_SEEN on every event, before failing."),
      sdk::Param("bad_handle", RF_PARAM_BOOL, "false",
                 "Fail through a host call on an undeclared state handle."),
      sdk::Param("declare_bad_state", RF_PARAM_BOOL, "false",
                 "Declare a window with bucket > window in Init."),
      sdk::WithRange(sdk::Param("sleep_ms", RF_PARAM_INT, "0",
                                "Sleep this long per event (to overrun)."),
                     0, 10000),
  };
  return kParams;
}

class FaultyDetector : public sdk::Detector {
 public:
  sdk::Status Init(sdk::InitContext& ctx, const sdk::Params& params) override {
    fail_every_ = params.Int("fail_every");
    throw_ = params.Bool("throw");
    annotate_ = params.Bool("annotate");
    bad_handle_ = params.Bool("bad_handle");
    sleep_ms_ = params.Int("sleep_ms");
    if (params.Bool("declare_bad_state")) {
      sdk::StateHandle h;
      return ctx.DeclareCounter("bad_window", /*window_ms=*/1000,
                                /*bucket_ms=*/5000, &h);
    }
    return sdk::Status::Ok();
  }

  sdk::Status OnEvent(sdk::Context& ctx, const sdk::Event& event) override {
    if (sleep_ms_ > 0) {
      std::this_thread::sleep_for(std::chrono::milliseconds(sleep_ms_));
    }
    if (annotate_) {
      sdk::Annotation a;
      a.score = 0.5;
      a.reason_code = "FAULTY_SEEN";
      a.message = "faulty saw sequence " + std::to_string(event.sequence());
      a.evidence = {{"random", std::to_string(ctx.Random())}};
      a.route_hint = RF_ROUTE_NOTIFY;
      ctx.Annotate(a);
    }
    if (fail_every_ <= 0 ||
        event.sequence() % static_cast<uint64_t>(fail_every_) != 0) {
      return ctx.status();
    }
    const std::string what =
        "faulty failed at sequence " + std::to_string(event.sequence());
    if (bad_handle_) {
      ctx.Total(/*undeclared*/ 12345, event.account_id(), 1000);
      return ctx.status();
    }
    if (throw_) throw std::runtime_error(what);
    return sdk::Status::Error(what);
  }

 private:
  int64_t fail_every_ = 0;
  bool throw_ = false;
  bool annotate_ = false;
  bool bad_handle_ = false;
  int64_t sleep_ms_ = 0;
};

}  // namespace
}  // namespace testing
}  // namespace riskflow

RISKFLOW_DETECTOR(riskflow::testing::FaultyDetector, "faulty", "0.0.1",
                  "Test-only: fails on demand.",
                  riskflow::testing::FaultyParams)
