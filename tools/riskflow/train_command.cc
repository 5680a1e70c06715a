#include "tools/riskflow/train_command.h"

#include <unistd.h>

#include <algorithm>
#include <cmath>
#include <cstdio>
#include <cstdlib>
#include <fstream>
#include <map>
#include <sstream>
#include <tuple>
#include <utility>

#include "absl/status/status.h"
#include "absl/strings/match.h"
#include "absl/strings/numbers.h"
#include "absl/strings/strip.h"
#include "absl/strings/ascii.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_format.h"
#include "absl/strings/str_join.h"
#include "absl/strings/str_split.h"
#include "pipeline/config/hashing.h"
#include "pipeline/config/pipeline_yaml.h"
#include "pipeline/plugin_host/plugin_loader.h"
#include "pipeline/replay/jsonl_reader.h"
#include "pipeline/replay/replayer.h"
#include "pipeline/report/full_decisions.h"
#include "pipeline/report/holdout.h"
#include "pipeline/report/labels.h"
#include "plugins/model_score/xgb_model.h"
#include "tools/riskflow/common.h"
#include "tools/riskflow/flags.h"

namespace riskflow::cli {
namespace {

constexpr char kCommand[] = "riskflow train";
constexpr char kFeaturesReason[] = "MODEL_FEATURES";

// Parameters that only matter when scoring; the features mode drops them.
constexpr const char* kScoringParams[] = {
    "model",       "freeze_above", "review_above",     "notify_above",
    "score_all",   "evidence_features"};

absl::Status ParseDouble(const std::string& flag, const std::string& text,
                         double* out) {
  if (text.empty()) return absl::OkStatus();
  if (!absl::SimpleAtod(text, out) || !std::isfinite(*out)) {
    return absl::InvalidArgumentError(
        absl::StrCat("--", flag, ": expected a number, got \"", text, "\""));
  }
  return absl::OkStatus();
}

absl::StatusOr<std::string> ReadAll(const std::string& path) {
  std::ifstream in(path, std::ios::binary);
  if (!in) return absl::NotFoundError(absl::StrCat("cannot read ", path));
  std::ostringstream s;
  s << in.rdbuf();
  return s.str();
}

absl::Status WriteAll(const std::string& path, const std::string& bytes) {
  std::ofstream out(path, std::ios::binary | std::ios::trunc);
  out << bytes;
  out.close();
  if (!out) return absl::UnavailableError(absl::StrCat("cannot write ", path));
  return absl::OkStatus();
}

bool IsModelScore(const riskflow::v1::DetectorConfig& dc) {
  const std::string& p = dc.plugin();
  return p == "model_score" || p == "libmodel_score.so" ||
         absl::EndsWith(p, "/libmodel_score.so");
}

struct Row {
  std::string account;
  std::string id;  // decision id: channel/event_id
  std::vector<float> features;
};

// id -> label, from an events file's attributes.label.
absl::Status ReadLabels(const std::string& path,
                        std::map<std::string, std::string>* labels,
                        int64_t* labelled) {
  auto reader = replay::JsonlEventReader::Open(path);
  if (!reader.ok()) return reader.status();
  riskflow::v1::Event e;
  while (true) {
    absl::StatusOr<bool> more = (*reader)->Next(&e);
    if (!more.ok()) return more.status();
    if (!*more) break;
    auto it = e.attributes().find("label");
    if (it == e.attributes().end()) continue;
    (*labels)[absl::StrCat(e.channel_id(), "/", e.event_id())] = it->second;
    ++*labelled;
  }
  return absl::OkStatus();
}

struct Metrics {
  int64_t rows = 0, positives = 0;
  int64_t tp = 0, fp = 0, fn = 0;
  double auc = 0;
  std::map<std::string, std::pair<int64_t, int64_t>> by_kind;  // caught, all
  double precision() const { return tp + fp == 0 ? 0 : double(tp) / (tp + fp); }
  double recall() const { return tp + fn == 0 ? 0 : double(tp) / (tp + fn); }
  double f1() const {
    double p = precision(), r = recall();
    return p + r == 0 ? 0 : 2 * p * r / (p + r);
  }
};

// Rank-based AUC (ties count half).
double Auc(const std::vector<std::pair<float, bool>>& scored) {
  std::vector<std::pair<float, bool>> s = scored;
  std::sort(s.begin(), s.end(),
            [](const auto& a, const auto& b) { return a.first < b.first; });
  double pos = 0, neg = 0, rank_sum = 0;
  size_t i = 0;
  while (i < s.size()) {
    size_t j = i;
    while (j < s.size() && s[j].first == s[i].first) ++j;
    double avg_rank = (static_cast<double>(i + 1) + static_cast<double>(j)) / 2;
    for (size_t k = i; k < j; ++k) {
      if (s[k].second) {
        rank_sum += avg_rank;
        ++pos;
      } else {
        ++neg;
      }
    }
    i = j;
  }
  if (pos == 0 || neg == 0) return 0;
  return (rank_sum - pos * (pos + 1) / 2) / (pos * neg);
}

std::string JsonString(const std::string& s) {
  std::string out = "\"";
  for (char c : s) {
    if (c == '"' || c == '\\') out += '\\';
    if (static_cast<unsigned char>(c) < 0x20) continue;
    out += c;
  }
  return out + "\"";
}

}  // namespace

absl::StatusOr<TrainOptions> ParseTrainArgs(
    const std::vector<std::string>& args) {
  TrainOptions o;
  std::string plugin_path, eta, mcw, subsample, colsample, lambda, spw,
      threshold;
  int64_t holdout = o.holdout_percent, rounds = o.params.rounds,
          depth = o.params.max_depth, seed = static_cast<int64_t>(o.params.seed),
          shards = o.shards;
  FlagSet flags(kCommand);
  flags.AddString("pipeline", &o.pipeline,
                  "pipeline YAML with the model_score detector to train");
  flags.AddString("detector", &o.detector,
                  "the detector's name (default: the only model_score one)");
  flags.AddString("events", &o.events,
                  "labelled events (JSONL, attributes.label), e.g. datagen's");
  flags.AddString("labels", &o.labels,
                  "labels overriding --events' (events JSONL: the case "
                  "console's export)");
  flags.AddString("out", &o.out, "the model file to write (XGBoost JSON)");
  flags.AddString("meta", &o.meta, "the sidecar (default OUT.meta.json)");
  flags.AddString("plugin_path", &plugin_path,
                  "colon-separated plugin directories searched first");
  flags.AddInt("holdout_percent", &holdout,
               "accounts held out for evaluation, by hash (0..90)", 0);
  flags.AddInt("rounds", &rounds, "boosting rounds", 1);
  flags.AddInt("max_depth", &depth, "tree depth", 1);
  flags.AddInt("seed", &seed, "XGBoost seed", 0);
  flags.AddInt("shards", &shards, "replay shards (output is the same)", 1);
  flags.AddString("eta", &eta, "learning rate (default 0.1)");
  flags.AddString("min_child_weight", &mcw, "default 1");
  flags.AddString("subsample", &subsample, "row sampling per tree, default 1");
  flags.AddString("colsample_bytree", &colsample, "default 1");
  flags.AddString("lambda", &lambda, "L2 on leaf weights, default 1");
  flags.AddString("scale_pos_weight", &spw,
                  "positive row weight; 0 (default) = negatives/positives, "
                  "capped at 100");
  flags.AddString("threshold", &threshold,
                  "held-out precision / recall at this score (default 0.5)");
  absl::StatusOr<std::vector<std::string>> positional = flags.Parse(args);
  if (!positional.ok()) return positional.status();
  if (!positional->empty()) {
    return absl::InvalidArgumentError(
        absl::StrCat("takes no positional arguments (got \"",
                     positional->front(), "\")"));
  }
  for (const auto& [flag, value] :
       {std::pair<const char*, std::string*>{"pipeline", &o.pipeline},
        {"events", &o.events},
        {"out", &o.out}}) {
    if (value->empty()) {
      return absl::InvalidArgumentError(absl::StrCat("needs --", flag));
    }
    *value = ResolveUserPath(*value);
  }
  if (!o.labels.empty()) o.labels = ResolveUserPath(o.labels);
  o.meta = o.meta.empty() ? o.out + ".meta.json" : ResolveUserPath(o.meta);
  if (holdout > 90) {
    return absl::InvalidArgumentError("--holdout_percent: at most 90");
  }
  o.holdout_percent = static_cast<int>(holdout);
  o.params.rounds = static_cast<int>(rounds);
  o.params.max_depth = static_cast<int>(depth);
  o.params.seed = static_cast<uint64_t>(seed);
  o.shards = static_cast<uint32_t>(shards);
  for (auto [flag, text, out] :
       {std::tuple<const char*, std::string*, double*>{"eta", &eta,
                                                       &o.params.eta},
        {"min_child_weight", &mcw, &o.params.min_child_weight},
        {"subsample", &subsample, &o.params.subsample},
        {"colsample_bytree", &colsample, &o.params.colsample_bytree},
        {"lambda", &lambda, &o.params.lambda},
        {"scale_pos_weight", &spw, &o.params.scale_pos_weight},
        {"threshold", &threshold, &o.threshold}}) {
    if (absl::Status s = ParseDouble(flag, *text, out); !s.ok()) return s;
  }
  for (absl::string_view dir :
       absl::StrSplit(plugin_path, ':', absl::SkipEmpty())) {
    o.plugin_search_path.push_back(ResolveUserPath(std::string(dir)));
  }
  for (std::string& dir : plugin_host::DefaultPluginSearchPath()) {
    o.plugin_search_path.push_back(std::move(dir));
  }
  return o;
}

int RunTrain(const TrainOptions& o, std::ostream& out, std::ostream& err) {
  auto fail = [&](const absl::Status& s) {
    err << kCommand << ": " << s.message() << "\n";
    return 1;
  };
  absl::StatusOr<riskflow::v1::PipelineConfig> pipeline =
      config::LoadPipelineFile(o.pipeline);
  if (!pipeline.ok()) return fail(pipeline.status());
  const riskflow::v1::DetectorConfig* dc = nullptr;
  for (const auto& d : pipeline->detectors()) {
    bool match = o.detector.empty() ? IsModelScore(d) : d.name() == o.detector;
    if (!match) continue;
    if (dc != nullptr) {
      return fail(absl::InvalidArgumentError(absl::StrCat(
          o.pipeline, " has several model_score detectors (", dc->name(),
          ", ", d.name(), "); pick one with --detector")));
    }
    dc = &d;
  }
  if (dc == nullptr) {
    return fail(absl::NotFoundError(absl::StrCat(
        o.pipeline, " has no ",
        o.detector.empty() ? "model_score detector"
                           : absl::StrCat("detector '", o.detector, "'"))));
  }
  std::vector<std::string> feature_names = absl::StrSplit(
      dc->params().count("features") ? dc->params().at("features") : "", ',',
      absl::SkipWhitespace());
  for (std::string& f : feature_names) {
    f = std::string(absl::StripAsciiWhitespace(f));
  }

  // 1. Features: replay through the detector itself, in features mode.
  riskflow::v1::PipelineConfig features_pipeline;
  features_pipeline.set_name(absl::StrCat(pipeline->name(), "-features"));
  features_pipeline.set_allowed_lateness_ms(pipeline->allowed_lateness_ms());
  *features_pipeline.mutable_plugin_sha256_allowlist() =
      pipeline->plugin_sha256_allowlist();
  riskflow::v1::DetectorConfig* fd = features_pipeline.add_detectors();
  *fd = *dc;
  for (const char* p : kScoringParams) fd->mutable_params()->erase(p);
  (*fd->mutable_params())["mode"] = "features";
  fd->set_route(riskflow::v1::ROUTE_UNSPECIFIED);
  fd->set_on_error(riskflow::v1::PASS);
  fd->clear_freeze_cap_per_minute();

  char tmpl[] = "/tmp/riskflow-train-XXXXXX";
  std::string tmp_dir;
  {
    std::string base = std::getenv("TEST_TMPDIR") != nullptr
                           ? absl::StrCat(std::getenv("TEST_TMPDIR"),
                                          "/riskflow-train-XXXXXX")
                           : std::string(tmpl);
    std::vector<char> buf(base.begin(), base.end());
    buf.push_back('\0');
    if (mkdtemp(buf.data()) == nullptr) {
      return fail(absl::UnavailableError("cannot create a temporary directory"));
    }
    tmp_dir = buf.data();
  }
  const std::string vectors_path = tmp_dir + "/features.pb";
  replay::ReplayOptions ro;
  ro.pipeline = features_pipeline;
  ro.plugin_search_path = o.plugin_search_path;
  ro.input.path = o.events;
  ro.out = vectors_path;
  ro.out_format = replay::OutputFormat::kProto;
  ro.shards = o.shards;
  absl::StatusOr<replay::ReplaySummary> replayed = replay::Replayer::Run(ro);
  if (!replayed.ok()) {
    return fail(absl::Status(
        replayed.status().code(),
        absl::StrCat("computing features: ", replayed.status().message())));
  }
  std::vector<Row> rows;
  absl::Status read = report::ForEachDecision(
      vectors_path, [&](const riskflow::v1::Decision& d) -> absl::Status {
        for (const auto& a : d.annotations()) {
          if (a.detector() != dc->name() || a.reason_code() != kFeaturesReason) {
            continue;
          }
          if (static_cast<size_t>(a.evidence_size()) != feature_names.size()) {
            return absl::InternalError(absl::StrCat(
                d.decision_id(), ": ", a.evidence_size(), " features, expected ",
                feature_names.size()));
          }
          Row r;
          r.account = d.account_id();
          r.id = d.decision_id();
          for (const auto& ev : a.evidence()) {
            r.features.push_back(std::strtof(ev.value().c_str(), nullptr));
          }
          rows.push_back(std::move(r));
        }
        return absl::OkStatus();
      });
  std::remove(vectors_path.c_str());
  ::rmdir(tmp_dir.c_str());
  if (!read.ok()) return fail(read);
  if (rows.empty()) {
    return fail(absl::FailedPreconditionError(
        absl::StrCat("no feature vectors: the detector '", dc->name(),
                     "' scored none of the ", replayed->decided,
                     " events (check its 'types')")));
  }

  // 2. Labels.
  std::map<std::string, std::string> labels;
  int64_t labelled = 0, overrides = 0;
  if (absl::Status s = ReadLabels(o.events, &labels, &labelled); !s.ok()) {
    return fail(s);
  }
  if (!o.labels.empty()) {
    if (absl::Status s = ReadLabels(o.labels, &labels, &overrides); !s.ok()) {
      return fail(s);
    }
  }
  if (labelled + overrides == 0) {
    return fail(absl::FailedPreconditionError(absl::StrCat(
        "no labels: no event in ", o.events,
        " has attributes.label", o.labels.empty() ? "" : " and --labels has none",
        " (datagen writes them; or pass the case console's export with "
        "--labels)")));
  }

  // 3. Split by account hash; rows stay in stream (sequence) order.
  const size_t nf = feature_names.size();
  std::vector<float> train_x, train_y;
  std::vector<const Row*> held;
  std::vector<std::string> held_labels;
  int64_t train_pos = 0;
  for (const Row& r : rows) {
    auto it = labels.find(r.id);
    const std::string label = it == labels.end() ? "" : it->second;
    const bool fraud = report::IsFraudLabel(label);
    if (report::IsHeldOut(r.account, o.holdout_percent)) {
      held.push_back(&r);
      held_labels.push_back(fraud ? label : "");
      continue;
    }
    train_x.insert(train_x.end(), r.features.begin(), r.features.end());
    train_y.push_back(fraud ? 1.0f : 0.0f);
    train_pos += fraud ? 1 : 0;
  }
  if (train_pos == 0) {
    return fail(absl::FailedPreconditionError(absl::StrCat(
        "no positive labels among the ", train_y.size(),
        " training rows: nothing to learn fraud from")));
  }

  // 4. Train.
  std::string model;
  std::string error;
  double spw = 0;
  if (!model_score::TrainBooster(train_x, nf, train_y, o.params, &model, &spw,
                                 &error)) {
    return fail(absl::InternalError(absl::StrCat("training: ", error)));
  }

  // 5. Held-out metrics, scored by the detector's own inference code.
  model_score::XgbModel scorer;
  if (!scorer.Load(model, nf, &error)) {
    return fail(absl::InternalError(absl::StrCat("reloading the model: ", error)));
  }
  Metrics m;
  std::vector<std::pair<float, bool>> scored;
  for (size_t i = 0; i < held.size(); ++i) {
    float s = 0;
    if (!scorer.Score(held[i]->features.data(), &s, &error)) {
      return fail(absl::InternalError(error));
    }
    const bool fraud = !held_labels[i].empty();
    const bool flagged = s >= o.threshold;
    scored.emplace_back(s, fraud);
    ++m.rows;
    if (fraud) {
      ++m.positives;
      auto& k = m.by_kind[held_labels[i]];
      ++k.second;
      if (flagged) ++k.first;
    }
    if (flagged && fraud) ++m.tp;
    if (flagged && !fraud) ++m.fp;
    if (!flagged && fraud) ++m.fn;
  }
  m.auc = Auc(scored);

  // 6. Files.
  if (absl::Status s = WriteAll(o.out, model); !s.ok()) return fail(s);
  absl::StatusOr<std::string> events_bytes = ReadAll(o.events);
  if (!events_bytes.ok()) return fail(events_bytes.status());
  std::string data_hash = config::Sha256Hex(*events_bytes);
  if (!o.labels.empty()) {
    absl::StatusOr<std::string> label_bytes = ReadAll(o.labels);
    if (!label_bytes.ok()) return fail(label_bytes.status());
    data_hash = config::Sha256Hex(
        absl::StrCat(data_hash, "\n", config::Sha256Hex(*label_bytes)));
  }
  std::vector<std::string> quoted;
  for (const auto& f : feature_names) quoted.push_back(JsonString(f));
  std::vector<std::string> kinds;
  for (const auto& [kind, n] : m.by_kind) {
    kinds.push_back(absl::StrFormat("%s: {\"caught\": %d, \"events\": %d}",
                                    JsonString(kind), n.first, n.second));
  }
  std::vector<std::string> param_items;
  for (const auto& [k, v] : dc->params()) {
    if (k == "features" || k == "rates" || k == "types") {
      param_items.push_back(absl::StrCat(JsonString(k), ": ", JsonString(v)));
    }
  }
  std::sort(param_items.begin(), param_items.end());
  const std::string meta = absl::StrCat(
      "{\n  \"format\": \"riskflow-model-1\",\n",
      "  \"model_file\": ", JsonString(o.out.substr(o.out.rfind('/') + 1)),
      ",\n  \"model_sha256\": ", JsonString(config::Sha256Hex(model)),
      ",\n  \"xgboost\": ", JsonString(model_score::XgboostVersion()),
      ",\n  \"detector\": ", JsonString(dc->name()),
      ",\n  \"features\": [", absl::StrJoin(quoted, ", "), "]",
      ",\n  \"feature_params\": {", absl::StrJoin(param_items, ", "), "}",
      ",\n  \"training_data_sha256\": ", JsonString(data_hash),
      ",\n  \"split\": {\"method\": \"account_fnv1a64_mod_100\", "
      "\"holdout_percent\": ",
      o.holdout_percent, "}",
      ",\n  \"hyper_parameters\": ",
      JsonString(model_score::DescribeParams(o.params, spw)),
      ",\n  \"train\": {\"rows\": ", train_y.size(), ", \"positives\": ",
      train_pos, "}",
      ",\n  \"heldout\": {\"rows\": ", m.rows, ", \"positives\": ", m.positives,
      ", \"auc\": ", absl::StrFormat("%.6f", m.auc),
      ", \"threshold\": ", absl::StrFormat("%g", o.threshold),
      ", \"precision\": ", absl::StrFormat("%.6f", m.precision()),
      ", \"recall\": ", absl::StrFormat("%.6f", m.recall()),
      ", \"f1\": ", absl::StrFormat("%.6f", m.f1()),
      ", \"by_kind\": {", absl::StrJoin(kinds, ", "), "}}\n}\n");
  if (absl::Status s = WriteAll(o.meta, meta); !s.ok()) return fail(s);

  out << absl::StrFormat(
      "trained %s: %d features, %d training rows (%d fraud), %s\n",
      o.out, nf, train_y.size(), train_pos,
      model_score::DescribeParams(o.params, spw));
  out << absl::StrFormat(
      "held out %d%% of accounts: %d rows (%d fraud): AUC %.4f; at score >= "
      "%g precision %.4f recall %.4f F1 %.4f\n",
      o.holdout_percent, m.rows, m.positives, m.auc, o.threshold,
      m.precision(), m.recall(), m.f1());
  for (const auto& [kind, n] : m.by_kind) {
    out << absl::StrFormat("  %-24s recall %d/%d\n", kind, n.first, n.second);
  }
  out << absl::StrFormat("model sha256 %s, sidecar %s\n",
                         config::Sha256Hex(model), o.meta);
  return 0;
}

int TrainMain(const std::vector<std::string>& args, std::ostream& out,
              std::ostream& err) {
  absl::StatusOr<TrainOptions> options = ParseTrainArgs(args);
  if (!options.ok()) {
    err << kCommand << ": " << options.status().message() << "\n";
    return 1;
  }
  return RunTrain(*options, out, err);
}

}  // namespace riskflow::cli
