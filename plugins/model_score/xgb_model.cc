#include "plugins/model_score/xgb_model.h"

#include <xgboost/c_api.h>

#include <algorithm>
#include <cinttypes>
#include <cstdio>
#include <cstring>
#include <map>

namespace riskflow::model_score {
namespace {

std::string LastError() {
  std::string e = XGBGetLastError();
  // XGBoost prefixes a source location and may add a stack trace.
  size_t cut = e.find("Stack trace");
  if (cut != std::string::npos) e.resize(cut);
  while (!e.empty() && (e.back() == '\n' || e.back() == ' ')) e.pop_back();
  if (e.size() > 300) e.resize(300);
  return e;
}

}  // namespace

XgbModel::~XgbModel() {
  if (booster_ != nullptr) XGBoosterFree(booster_);
}

bool XgbModel::Load(std::string_view bytes, size_t expected_features,
                    std::string* error) {
  if (bytes.empty()) {
    *error = "model file is empty";
    return false;
  }
  BoosterHandle h = nullptr;
  if (XGBoosterCreate(nullptr, 0, &h) != 0) {
    *error = "XGBoosterCreate: " + LastError();
    return false;
  }
  booster_ = h;
  if (XGBoosterLoadModelFromBuffer(h, bytes.data(), bytes.size()) != 0) {
    *error = "not a loadable XGBoost model: " + LastError();
    return false;
  }
  if (XGBoosterSetParam(h, "nthread", "1") != 0) {
    *error = "nthread=1: " + LastError();
    return false;
  }
  bst_ulong n = 0;
  if (XGBoosterGetNumFeature(h, &n) != 0) {
    *error = "XGBoosterGetNumFeature: " + LastError();
    return false;
  }
  if (n != expected_features) {
    *error = "the model takes " + std::to_string(n) +
             " features but 'features' declares " +
             std::to_string(expected_features) +
             " (train it with the same feature list)";
    return false;
  }
  features_ = n;
  // Rank by total gain for the evidence; "f<i>" names when the model was
  // trained without feature names.
  std::map<size_t, float> gain;
  bst_ulong n_out = 0, dim = 0;
  const char** names = nullptr;
  const bst_ulong* shape = nullptr;
  const float* scores = nullptr;
  if (XGBoosterFeatureScore(h, "{\"importance_type\": \"total_gain\"}", &n_out,
                            &names, &dim, &shape, &scores) == 0) {
    for (bst_ulong i = 0; i < n_out; ++i) {
      const char* s = names[i];
      if (s[0] == 'f') {
        size_t idx = std::strtoul(s + 1, nullptr, 10);
        if (idx < n) gain[idx] = scores[i];
      }
    }
  }
  ranked_.clear();
  for (size_t i = 0; i < n; ++i) ranked_.push_back(i);
  std::stable_sort(ranked_.begin(), ranked_.end(), [&](size_t a, size_t b) {
    float ga = gain.count(a) ? gain[a] : -1.0f;
    float gb = gain.count(b) ? gain[b] : -1.0f;
    return ga > gb;
  });
  config_ =
      "{\"type\": 0, \"training\": false, \"iteration_begin\": 0, "
      "\"iteration_end\": 0, \"strict_shape\": false, \"cache_id\": 0, "
      "\"missing\": NaN}";
  return true;
}

bool XgbModel::Score(const float* row, float* out, std::string* error) {
  char values[160];
  std::snprintf(values, sizeof(values),
                "{\"data\": [%" PRIuPTR
                ", true], \"shape\": [1, %zu], \"typestr\": \"<f4\", "
                "\"version\": 3}",
                reinterpret_cast<uintptr_t>(row), features_);
  const bst_ulong* shape = nullptr;
  bst_ulong dim = 0;
  const float* result = nullptr;
  if (XGBoosterPredictFromDense(booster_, values, config_.c_str(), nullptr,
                                &shape, &dim, &result) != 0) {
    *error = "XGBoost predict: " + LastError();
    return false;
  }
  *out = result[0];
  return true;
}

}  // namespace riskflow::model_score
