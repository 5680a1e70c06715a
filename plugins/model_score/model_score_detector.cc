// model_score: scores each event with a gradient-boosted tree model
// (XGBoost) over a declared feature list (features.h), and routes by
// per-route score thresholds. The model arrives as a FILE parameter: the
// host reads it, hashes it into the pipeline version and hands over the
// bytes, so this plugin does no I/O. docs/models.md has the whole story.
#include <cmath>
#include <cstdio>
#include <memory>
#include <string>
#include <vector>

#include "plugins/model_score/features.h"
#include "plugins/model_score/xgb_model.h"
#include "plugins/sdk/event_types.h"
#include "plugins/sdk/riskflow_sdk.h"

namespace riskflow::model_score {
namespace {

namespace sdk = ::riskflow::sdk;

const std::vector<rf_param_spec>& Params() {
  static const std::vector<rf_param_spec> kParams = {
      sdk::WithRange(
          sdk::Param("model", RF_PARAM_FILE, nullptr,
                     "The XGBoost model file (JSON or UBJSON, from `riskflow "
                     "train`); relative to the pipeline file. Required in "
                     "mode score."),
          0, 8 << 20),
      sdk::RequiredParam("features", RF_PARAM_LIST,
                         "Feature names in model order (docs/models.md)."),
      sdk::Param("rates", RF_PARAM_LIST, "",
                 "CNY per major unit, CUR:rate (CNY is 1); amounts in other "
                 "currencies are missing values."),
      sdk::Param("mode", RF_PARAM_STRING, "score",
                 "score, or features: annotate every event with its feature "
                 "vector (what `riskflow train` replays)."),
      sdk::Param("types", RF_PARAM_LIST, "",
                 "Event types scored (empty: all). State is updated for "
                 "every event either way."),
      sdk::WithRange(sdk::Param("freeze_above", RF_PARAM_DOUBLE, nullptr,
                                "Score at or above which the hint is FREEZE."),
                     0, 1),
      sdk::WithRange(
          sdk::Param("review_above", RF_PARAM_DOUBLE, nullptr,
                     "Score at or above which the hint is MANUAL_REVIEW."),
          0, 1),
      sdk::WithRange(sdk::Param("notify_above", RF_PARAM_DOUBLE, nullptr,
                                "Score at or above which the hint is NOTIFY."),
                     0, 1),
      sdk::Param("score_all", RF_PARAM_BOOL, "false",
                 "Also annotate events below every threshold (route PASS), "
                 "so a report can sweep thresholds."),
      sdk::WithRange(
          sdk::Param("evidence_features", RF_PARAM_INT, "5",
                     "Most important features (by the model's total gain) "
                     "whose values go into the evidence."),
          0, 10),
  };
  return kParams;
}

struct Threshold {
  const char* param;
  rf_route route;
  double value;
};

class ModelScore : public sdk::Detector {
 public:
  sdk::Status Init(sdk::InitContext& ctx, const sdk::Params& p) override {
    std::string mode = p.String("mode");
    if (mode != "score" && mode != "features") {
      return sdk::Status::Error("parameter 'mode': expected score or features, got '" +
                                mode + "'");
    }
    features_mode_ = mode == "features";
    std::string error;
    all_types_ = p.List("types").empty();
    if (!all_types_) {
      if (sdk::Status s = sdk::ParseEventTypes(p, "types", &types_); !s.ok()) {
        return s;
      }
    }
    if (sdk::Status s = features_.Parse(p.List("features"), p.List("rates"));
        !s.ok()) {
      return s;
    }
    if (!features_mode_) {
      if (!p.Has("model")) {
        return sdk::Status::Error(
            "parameter 'model': required in mode score (a model file from "
            "`riskflow train`)");
      }
      for (Threshold t : {Threshold{"freeze_above", RF_ROUTE_FREEZE, 0},
                          Threshold{"review_above", RF_ROUTE_MANUAL_REVIEW, 0},
                          Threshold{"notify_above", RF_ROUTE_NOTIFY, 0}}) {
        if (!p.Has(t.param)) continue;
        t.value = p.Double(t.param);
        thresholds_.push_back(t);
      }
      score_all_ = p.Bool("score_all");
      if (thresholds_.empty() && !score_all_) {
        return sdk::Status::Error(
            "no threshold: set freeze_above, review_above or notify_above");
      }
      for (size_t i = 1; i < thresholds_.size(); ++i) {
        if (thresholds_[i].value > thresholds_[i - 1].value) {
          return sdk::Status::Error(
              std::string("thresholds must not rise with milder routes: ") +
              thresholds_[i].param + " is above " + thresholds_[i - 1].param);
        }
      }
      model_ = std::make_unique<XgbModel>();
      if (!model_->Load(p.FileContents("model"), features_.size(), &error)) {
        return sdk::Status::Error("parameter 'model': " + error);
      }
      evidence_features_ = static_cast<size_t>(p.Int("evidence_features"));
    }
    row_.assign(features_.size(), 0.0f);
    return features_.Declare(ctx);
  }

  sdk::Status OnEvent(sdk::Context& ctx, const sdk::Event& e) override {
    features_.Compute(ctx, e, row_.data());
    if (!ctx.ok()) return ctx.status();
    if (!all_types_ && !types_.Contains(e.type())) return sdk::Status::Ok();
    if (features_mode_) {
      sdk::Annotation a;
      a.score = 0;
      a.reason_code = "MODEL_FEATURES";
      a.route_hint = RF_ROUTE_PASS;
      a.evidence.reserve(row_.size());
      for (size_t i = 0; i < row_.size(); ++i) {
        a.evidence.emplace_back(Key(i), FormatFeature(row_[i]));
      }
      ctx.Annotate(a);
      return ctx.status();
    }
    float score = 0;
    std::string error;
    if (!model_->Score(row_.data(), &score, &error)) {
      return sdk::Status::Error(error);
    }
    const Threshold* hit = nullptr;
    for (const Threshold& t : thresholds_) {
      if (score >= t.value) {
        hit = &t;
        break;
      }
    }
    if (hit == nullptr && !score_all_) return sdk::Status::Ok();
    sdk::Annotation a;
    a.score = score;
    a.reason_code = "MODEL_SCORE";
    a.route_hint = hit != nullptr ? hit->route : RF_ROUTE_PASS;
    char text[160];
    if (hit != nullptr) {
      std::snprintf(text, sizeof(text), "model score %.4f >= %s %.4g",
                    static_cast<double>(score), hit->param, hit->value);
    } else {
      std::snprintf(text, sizeof(text), "model score %.4f, below every threshold",
                    static_cast<double>(score));
    }
    a.message = text;
    a.evidence.emplace_back("score", FormatFeature(score));
    const auto& ranked = model_->ranked_features();
    for (size_t i = 0; i < ranked.size() && i < evidence_features_; ++i) {
      a.evidence.emplace_back(features_.names()[ranked[i]].substr(0, 64),
                              FormatFeature(row_[ranked[i]]));
    }
    ctx.Annotate(a);
    return ctx.status();
  }

 private:
  static std::string Key(size_t i) {
    char buf[24];
    std::snprintf(buf, sizeof(buf), "f%02zu", i);
    return buf;
  }

  bool features_mode_ = false;
  bool score_all_ = false;
  bool all_types_ = true;
  sdk::EventTypeFilter types_;
  FeatureSet features_;
  std::unique_ptr<XgbModel> model_;
  std::vector<Threshold> thresholds_;  // most severe route first
  size_t evidence_features_ = 0;
  std::vector<float> row_;
};

}  // namespace
}  // namespace riskflow::model_score

RISKFLOW_DETECTOR(riskflow::model_score::ModelScore, "model_score", "1.0.0",
                  "Scores events with an XGBoost model over declared "
                  "features; per-route thresholds",
                  riskflow::model_score::Params)
