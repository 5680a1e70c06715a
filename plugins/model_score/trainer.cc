#include "plugins/model_score/trainer.h"

#include <xgboost/c_api.h>

#include <cmath>
#include <cstdio>
#include <utility>

namespace riskflow::model_score {
namespace {

std::string Num(double v) {
  char buf[32];
  std::snprintf(buf, sizeof(buf), "%.9g", v);
  return buf;
}

// Frees the handles however TrainBooster returns.
struct Handles {
  DMatrixHandle matrix = nullptr;
  BoosterHandle booster = nullptr;
  ~Handles() {
    if (booster != nullptr) XGBoosterFree(booster);
    if (matrix != nullptr) XGDMatrixFree(matrix);
  }
};

}  // namespace

std::string DescribeParams(const TrainParams& p, double scale_pos_weight) {
  return "objective=binary:logistic tree_method=hist nthread=1 seed=" +
         std::to_string(p.seed) + " rounds=" + std::to_string(p.rounds) +
         " max_depth=" + std::to_string(p.max_depth) + " eta=" + Num(p.eta) +
         " min_child_weight=" + Num(p.min_child_weight) +
         " subsample=" + Num(p.subsample) +
         " colsample_bytree=" + Num(p.colsample_bytree) +
         " lambda=" + Num(p.lambda) +
         " scale_pos_weight=" + Num(scale_pos_weight);
}

bool TrainBooster(const std::vector<float>& rows, size_t n_features,
                  const std::vector<float>& labels, const TrainParams& p,
                  std::string* model, double* used_scale_pos_weight,
                  std::string* error) {
  const size_t n = labels.size();
  if (n == 0 || n_features == 0 || rows.size() != n * n_features) {
    *error = "no training rows";
    return false;
  }
  double pos = 0;
  for (float l : labels) pos += l > 0.5f ? 1 : 0;
  if (pos == 0) {
    *error = "no positive (fraud) rows to learn from";
    return false;
  }
  if (pos == static_cast<double>(n)) {
    *error = "no negative (benign) rows to learn from";
    return false;
  }
  double spw = p.scale_pos_weight;
  if (spw <= 0) {
    spw = (static_cast<double>(n) - pos) / pos;
    if (spw > 100) spw = 100;
  }
  *used_scale_pos_weight = spw;
  Handles h;
  auto fail = [&](const char* what) {
    *error = std::string(what) + ": " + XGBGetLastError();
    return false;
  };
  if (XGDMatrixCreateFromMat(rows.data(), n, n_features, NAN, &h.matrix) != 0) {
    return fail("XGDMatrixCreateFromMat");
  }
  if (XGDMatrixSetFloatInfo(h.matrix, "label", labels.data(), n) != 0) {
    return fail("label");
  }
  if (XGBoosterCreate(&h.matrix, 1, &h.booster) != 0) {
    return fail("XGBoosterCreate");
  }
  const std::pair<std::string, std::string> params[] = {
      {"objective", "binary:logistic"},
      {"eval_metric", "logloss"},
      {"tree_method", "hist"},
      {"nthread", "1"},
      {"seed", std::to_string(p.seed)},
      {"max_depth", std::to_string(p.max_depth)},
      {"eta", Num(p.eta)},
      {"min_child_weight", Num(p.min_child_weight)},
      {"subsample", Num(p.subsample)},
      {"colsample_bytree", Num(p.colsample_bytree)},
      {"lambda", Num(p.lambda)},
      {"scale_pos_weight", Num(spw)},
      {"verbosity", "0"},
  };
  for (const auto& [k, v] : params) {
    if (XGBoosterSetParam(h.booster, k.c_str(), v.c_str()) != 0) {
      return fail(k.c_str());
    }
  }
  for (int i = 0; i < p.rounds; ++i) {
    if (XGBoosterUpdateOneIter(h.booster, i, h.matrix) != 0) {
      return fail("XGBoosterUpdateOneIter");
    }
  }
  bst_ulong len = 0;
  const char* buf = nullptr;
  if (XGBoosterSaveModelToBuffer(h.booster, "{\"format\": \"json\"}", &len,
                                 &buf) != 0) {
    return fail("XGBoosterSaveModelToBuffer");
  }
  model->assign(buf, len);
  return true;
}

std::string XgboostVersion() {
  int major = 0, minor = 0, patch = 0;
  XGBoostVersion(&major, &minor, &patch);
  return std::to_string(major) + "." + std::to_string(minor) + "." +
         std::to_string(patch);
}

}  // namespace riskflow::model_score
