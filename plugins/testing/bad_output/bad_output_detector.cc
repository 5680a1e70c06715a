// Test-only detector: hands back output the host must refuse or clean.
//
// What it does per event is chosen by the event's attribute "bad":
//   (absent)        annotate GOOD, route hint FREEZE, valid output
//   utf8_reason     reason_code with an invalid UTF-8 byte
//   utf8_message    message with an invalid UTF-8 byte
//   utf8_evidence   evidence value with an invalid UTF-8 byte
//   long_reason     a 65-byte reason_code
//   long_message    a 5000-byte message
//   many_evidence   100 evidence entries
//   many_annot      100 annotations (valid ones)
//   nan_score       score NaN
//   utf8_error      fails with a last_error holding invalid UTF-8 and a
//                   newline
//   utf8_log        logs invalid UTF-8 with a newline, then annotates GOOD
//   sum_max         adds the event's amount to a 1 h sum state and, when
//                   the total exceeds param `sum_limit`, annotates SUM
//                   (evidence sum=<total>)
// Every refused annotation has route hint FREEZE, so output that slipped
// through would land in the FREEZE sink.
#include <cmath>
#include <limits>
#include <string>

#include "plugins/sdk/riskflow_sdk.h"

namespace riskflow {
namespace testing {
namespace {

const std::vector<rf_param_spec>& BadOutputParams() {
  static const std::vector<rf_param_spec> kParams = {
      sdk::Param("sum_limit", RF_PARAM_INT, "1000000",
                 "SUM annotation above this total (mode sum_max)."),
  };
  return kParams;
}

const std::string kBad = std::string("bad\xff\xfe") + "end";

sdk::Annotation Good(const std::string& reason) {
  sdk::Annotation a;
  a.score = 0.9;
  a.reason_code = reason;
  a.message = "bad_output test annotation";
  a.evidence = {{"mode", reason}};
  a.route_hint = RF_ROUTE_FREEZE;
  return a;
}

class BadOutputDetector : public sdk::Detector {
 public:
  sdk::Status Init(sdk::InitContext& ctx, const sdk::Params& params) override {
    sum_limit_ = params.Int("sum_limit");
    return ctx.DeclareSum("amounts", 3600000, 60000, &sum_);
  }

  sdk::Status OnEvent(sdk::Context& ctx, const sdk::Event& event) override {
    const std::string mode(event.Attribute("bad").value_or(""));
    sdk::Annotation a = Good("GOOD");
    if (mode.empty()) {
      ctx.Annotate(a);
    } else if (mode == "utf8_reason") {
      a.reason_code = kBad;
      ctx.Annotate(a);
    } else if (mode == "utf8_message") {
      a.message = kBad;
      ctx.Annotate(a);
    } else if (mode == "utf8_evidence") {
      a.evidence = {{"k", kBad}};
      ctx.Annotate(a);
    } else if (mode == "long_reason") {
      a.reason_code = std::string(65, 'R');
      ctx.Annotate(a);
    } else if (mode == "long_message") {
      a.message = std::string(5000, 'm');
      ctx.Annotate(a);
    } else if (mode == "many_evidence") {
      a.evidence.clear();
      for (int i = 0; i < 100; ++i) {
        a.evidence.emplace_back("k" + std::to_string(i), "v");
      }
      ctx.Annotate(a);
    } else if (mode == "many_annot") {
      for (int i = 0; i < 100; ++i) ctx.Annotate(a);
    } else if (mode == "nan_score") {
      a.score = std::numeric_limits<double>::quiet_NaN();
      ctx.Annotate(a);
    } else if (mode == "utf8_error") {
      return sdk::Status::Error("failed:\n" + kBad);
    } else if (mode == "utf8_log") {
      ctx.Log(RF_LOG_WARN, "forged\n[plugin ERROR] " + kBad);
      ctx.Annotate(a);
    } else if (mode == "sum_max") {
      ctx.Add(sum_, event.account_id(), event.amount_minor());
      const int64_t total = ctx.Total(sum_, event.account_id(), 3600000);
      if (ctx.ok() && total > sum_limit_) {
        sdk::Annotation s = Good("SUM");
        s.evidence = {{"sum", std::to_string(total)}};
        ctx.Annotate(s);
      }
    }
    return ctx.status();
  }

 private:
  int64_t sum_limit_ = 0;
  sdk::StateHandle sum_ = 0;
};

}  // namespace
}  // namespace testing
}  // namespace riskflow

RISKFLOW_DETECTOR(riskflow::testing::BadOutputDetector, "bad_output", "0.0.1",
                  "Test-only: output the host must refuse or clean.",
                  riskflow::testing::BadOutputParams)
