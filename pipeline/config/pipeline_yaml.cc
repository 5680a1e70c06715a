#include "pipeline/config/pipeline_yaml.h"

#include <yaml-cpp/yaml.h>

#include <algorithm>
#include <cstdint>
#include <exception>
#include <limits>
#include <string>
#include <string_view>
#include <vector>

#include "absl/container/flat_hash_map.h"
#include "absl/container/flat_hash_set.h"
#include "absl/status/status.h"
#include "absl/status/statusor.h"
#include "absl/strings/ascii.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_join.h"
#include "absl/strings/string_view.h"
#include "pipeline/config/duration.h"
#include "pipeline/config/validate.h"
#include "pipeline/config/yaml_documents.h"
#include "proto/riskflow/v1/config.pb.h"
#include "proto/riskflow/v1/decision.pb.h"

namespace riskflow {
namespace config {
namespace {

using ::riskflow::v1::DetectorConfig;
using ::riskflow::v1::PipelineConfig;
using ::riskflow::v1::Route;

bool ParseRoute(std::string_view text, Route* route) {
  static constexpr struct {
    std::string_view name;
    Route route;
  } kRoutes[] = {
      {"PASS", riskflow::v1::PASS},
      {"NOTIFY", riskflow::v1::NOTIFY},
      {"MANUAL_REVIEW", riskflow::v1::MANUAL_REVIEW},
      {"FREEZE", riskflow::v1::FREEZE},
  };
  for (const auto& r : kRoutes) {
    if (text == r.name) {
      *route = r.route;
      return true;
    }
  }
  return false;
}

// Turns the YAML tree into a PipelineConfig. It remembers where each field
// path came from, so errors found later by ValidatePipeline (which only
// sees the proto) can still point at a line.
class YamlReader {
 public:
  absl::StatusOr<PipelineConfig> Read(const YAML::Node& root);

  // Appends the YAML location of the field path a ValidatePipeline message
  // starts with, or of its nearest enclosing path.
  absl::Status Locate(const absl::Status& status) const;

 private:
  absl::Status Error(const std::string& path, const YAML::Node& at,
                     absl::string_view reason) const {
    YAML::Mark mark = at.Mark();
    // An empty value's mark is wherever the parser found the next token,
    // often the next line; the key is what the reader should look at.
    if (at.IsNull()) {
      auto it = marks_.find(path);
      if (it != marks_.end()) mark = it->second;
    }
    return absl::InvalidArgumentError(
        absl::StrCat(path, ": ", reason, YamlLocation(mark)));
  }

  // Calls `field(key, value)` for each entry of a map node; rejects keys
  // that are not strings, repeated keys and keys not in `allowed`.
  template <typename Fn>
  absl::Status ForEachEntry(const YAML::Node& map, const std::string& path,
                            const std::vector<absl::string_view>& allowed,
                            Fn field);
  absl::Status Require(const YAML::Node& map, const std::string& path,
                       absl::string_view key) const;

  absl::StatusOr<std::string> Scalar(const std::string& path,
                                     const YAML::Node& value);
  absl::StatusOr<uint32_t> NonNegativeInt(const std::string& path,
                                          const YAML::Node& value);
  absl::StatusOr<Route> ReadRoute(const std::string& path,
                                  const YAML::Node& value);
  absl::Status ReadDetector(const std::string& path, const YAML::Node& node,
                            DetectorConfig* detector);
  absl::Status ReadParams(const std::string& path, const YAML::Node& node,
                          DetectorConfig* detector);
  absl::Status ReadAllowlist(const std::string& path, const YAML::Node& node,
                             PipelineConfig* config);

  absl::flat_hash_map<std::string, YAML::Mark> marks_;
};

template <typename Fn>
absl::Status YamlReader::ForEachEntry(
    const YAML::Node& map, const std::string& path,
    const std::vector<absl::string_view>& allowed, Fn field) {
  const std::string prefix = path.empty() ? "" : path + ".";
  if (!map.IsMap()) {
    return Error(path.empty() ? "(document)" : path, map,
                 absl::StrCat("expected a map, got ", DescribeYamlNode(map)));
  }
  marks_.emplace(path, map.Mark());
  absl::flat_hash_set<std::string> seen;
  // Range-for keeps each entry alive; yaml-cpp's iterator-> returns a
  // temporary proxy, so `const Node& k = it->first` would dangle.
  for (const auto& entry : map) {
    const YAML::Node& key = entry.first;
    const YAML::Node& value = entry.second;
    if (!key.IsScalar()) {
      return Error(path.empty() ? "(document)" : path, key,
                   absl::StrCat("keys must be strings, got ", DescribeYamlNode(key)));
    }
    const std::string& name = key.Scalar();
    const std::string field_path = prefix + name;
    if (!allowed.empty() &&
        std::find(allowed.begin(), allowed.end(), name) == allowed.end()) {
      return Error(field_path, key,
                   absl::StrCat("unknown key (expected ",
                                absl::StrJoin(allowed, ", "), ")"));
    }
    if (!seen.insert(name).second) {
      return Error(field_path, key, "duplicate key");
    }
    marks_.emplace(field_path, value.IsNull() ? key.Mark() : value.Mark());
    if (absl::Status s = field(name, field_path, value); !s.ok()) {
      return s;
    }
  }
  return absl::OkStatus();
}

absl::Status YamlReader::Require(const YAML::Node& map, const std::string& path,
                                 absl::string_view key) const {
  if (map[std::string(key)]) return absl::OkStatus();
  const std::string prefix = path.empty() ? "" : path + ".";
  return Error(prefix + std::string(key), map, "required key is missing");
}

absl::StatusOr<std::string> YamlReader::Scalar(const std::string& path,
                                               const YAML::Node& value) {
  if (value.IsNull()) return Error(path, value, "missing value");
  if (!value.IsScalar()) {
    return Error(path, value,
                 absl::StrCat("expected a scalar, got ", DescribeYamlNode(value)));
  }
  return value.Scalar();
}

absl::StatusOr<uint32_t> YamlReader::NonNegativeInt(const std::string& path,
                                                    const YAML::Node& value) {
  absl::StatusOr<std::string> text = Scalar(path, value);
  if (!text.ok()) return text.status();
  // Digits only: YAML would also read "0x10", "1_000" or "+5" as integers,
  // and none of those belong in a risk config.
  uint64_t n = 0;
  bool ok = !text->empty() && text->size() <= 10;
  for (char c : *text) {
    if (!absl::ascii_isdigit(c)) {
      ok = false;
      break;
    }
    n = n * 10 + static_cast<uint64_t>(c - '0');
  }
  if (!ok || n > std::numeric_limits<uint32_t>::max()) {
    return Error(
        path, value,
        absl::StrCat("expected a non-negative integer, got '", *text, "'"));
  }
  return static_cast<uint32_t>(n);
}

absl::StatusOr<Route> YamlReader::ReadRoute(const std::string& path,
                                            const YAML::Node& value) {
  absl::StatusOr<std::string> text = Scalar(path, value);
  if (!text.ok()) return text.status();
  Route route = riskflow::v1::ROUTE_UNSPECIFIED;
  if (!ParseRoute(*text, &route)) {
    return Error(path, value,
                 absl::StrCat("unknown route '", *text,
                              "' (expected PASS, NOTIFY, MANUAL_REVIEW or "
                              "FREEZE)"));
  }
  return route;
}

absl::Status YamlReader::ReadParams(const std::string& path,
                                    const YAML::Node& node,
                                    DetectorConfig* detector) {
  // An empty `params:` (all entries commented out) means no parameters.
  if (node.IsNull()) return absl::OkStatus();
  auto* params = detector->mutable_params();
  return ForEachEntry(
      node, path, /*allowed=*/{},
      [&](const std::string& name, const std::string& field_path,
          const YAML::Node& value) -> absl::Status {
        if (name.empty()) return Error(field_path, value, "empty name");
        if (!value.IsSequence()) {
          absl::StatusOr<std::string> text = Scalar(field_path, value);
          if (!text.ok()) return text.status();
          (*params)[name] = *text;
          return absl::OkStatus();
        }
        // The plugin host receives lists comma-joined, so an item holding a
        // comma would silently turn into two items.
        std::vector<std::string> items;
        for (size_t i = 0; i < value.size(); ++i) {
          const std::string item_path = absl::StrCat(field_path, "[", i, "]");
          absl::StatusOr<std::string> item = Scalar(item_path, value[i]);
          if (!item.ok()) return item.status();
          if (item->find(',') != std::string::npos) {
            return Error(item_path, value[i],
                         absl::StrCat("list item '", *item,
                                      "' must not contain a comma"));
          }
          items.push_back(*std::move(item));
        }
        (*params)[name] = absl::StrJoin(items, ",");
        return absl::OkStatus();
      });
}

// Hashes are compared as lowercase hex (how build ids are printed); the
// format itself is checked by ValidatePipeline, located per item here.
absl::Status YamlReader::ReadAllowlist(const std::string& path,
                                       const YAML::Node& node,
                                       PipelineConfig* config) {
  if (!node.IsSequence()) {
    return Error(path, node,
                 absl::StrCat("expected a list of SHA-256 hashes, got ",
                              DescribeYamlNode(node)));
  }
  for (size_t i = 0; i < node.size(); ++i) {
    const std::string item_path = absl::StrCat(path, "[", i, "]");
    absl::StatusOr<std::string> hash = Scalar(item_path, node[i]);
    if (!hash.ok()) return hash.status();
    marks_.emplace(item_path, node[i].Mark());
    config->add_plugin_sha256_allowlist(absl::AsciiStrToLower(*hash));
  }
  return absl::OkStatus();
}

absl::Status YamlReader::ReadDetector(const std::string& path,
                                      const YAML::Node& node,
                                      DetectorConfig* d) {
  d->set_on_error(kDefaultOnError);
  d->set_time_budget_us(kDefaultTimeBudgetUs);
  d->set_quarantine_after(kDefaultQuarantineAfter);
  d->set_freeze_cap_per_minute(kDefaultFreezeCapPerMinute);
  absl::Status s = ForEachEntry(
      node, path,
      {"name", "plugin", "route", "on_error", "time_budget", "quarantine_after",
       "params", "freeze_cap_per_minute"},
      [&](const std::string& key, const std::string& field_path,
          const YAML::Node& value) -> absl::Status {
        if (key == "name" || key == "plugin") {
          absl::StatusOr<std::string> text = Scalar(field_path, value);
          if (!text.ok()) return text.status();
          key == "name" ? d->set_name(*text) : d->set_plugin(*text);
        } else if (key == "route" || key == "on_error") {
          absl::StatusOr<Route> route = ReadRoute(field_path, value);
          if (!route.ok()) return route.status();
          key == "route" ? d->set_route(*route) : d->set_on_error(*route);
        } else if (key == "time_budget") {
          absl::StatusOr<std::string> text = Scalar(field_path, value);
          if (!text.ok()) return text.status();
          absl::StatusOr<int64_t> us = ParseDurationUs(*text);
          if (!us.ok()) return Error(field_path, value, us.status().message());
          // 0 in the proto means "default"; someone writing 0 most likely
          // meant "unlimited", which does not exist.
          if (*us == 0) {
            return Error(field_path, value, "must be greater than zero");
          }
          d->set_time_budget_us(*us);
        } else if (key == "quarantine_after") {
          absl::StatusOr<uint32_t> n = NonNegativeInt(field_path, value);
          if (!n.ok()) return n.status();
          if (*n == 0) return Error(field_path, value, "must be at least 1");
          d->set_quarantine_after(*n);
        } else if (key == "freeze_cap_per_minute") {
          // 0 = unlimited (router/freeze_cap.h).
          absl::StatusOr<uint32_t> n = NonNegativeInt(field_path, value);
          if (!n.ok()) return n.status();
          if (*n > kMaxFreezeCapPerMinute) {
            return Error(field_path, value,
                         absl::StrCat("must be at most ",
                                      kMaxFreezeCapPerMinute,
                                      " (0 means unlimited)"));
          }
          d->set_freeze_cap_per_minute(*n);
        } else {  // params
          return ReadParams(field_path, value, d);
        }
        return absl::OkStatus();
      });
  if (!s.ok()) return s;
  if (s = Require(node, path, "name"); !s.ok()) return s;
  return Require(node, path, "plugin");
}

absl::StatusOr<PipelineConfig> YamlReader::Read(const YAML::Node& root) {
  PipelineConfig config;
  config.set_allowed_lateness_ms(kDefaultAllowedLatenessMs);
  config.set_max_batch_events(kDefaultMaxBatchEvents);
  // FREEZE holds the account unless the pipeline says `account_holds:
  // false` (docs/account-holds.md). Set here, not left to the proto
  // default, so the version hash records the effective setting.
  config.set_account_holds(kDefaultAccountHolds);
  absl::Status s = ForEachEntry(
      root, "",
      {"name", "shards", "allowed_lateness", "max_batch_events", "detectors",
       "plugin_sha256_allowlist", "account_holds"},
      [&](const std::string& key, const std::string& path,
          const YAML::Node& value) -> absl::Status {
        if (key == "name") {
          absl::StatusOr<std::string> text = Scalar(path, value);
          if (!text.ok()) return text.status();
          config.set_name(*text);
        } else if (key == "shards" || key == "max_batch_events") {
          absl::StatusOr<uint32_t> n = NonNegativeInt(path, value);
          if (!n.ok()) return n.status();
          key == "shards" ? config.set_shards(*n)
                          : config.set_max_batch_events(*n);
        } else if (key == "allowed_lateness") {
          absl::StatusOr<std::string> text = Scalar(path, value);
          if (!text.ok()) return text.status();
          absl::StatusOr<int64_t> ms = ParseDurationMs(*text);
          if (!ms.ok()) return Error(path, value, ms.status().message());
          config.set_allowed_lateness_ms(*ms);
        } else if (key == "plugin_sha256_allowlist") {
          return ReadAllowlist(path, value, &config);
        } else if (key == "account_holds") {
          absl::StatusOr<std::string> text = Scalar(path, value);
          if (!text.ok()) return text.status();
          if (*text != "true" && *text != "false") {
            return Error(path, value,
                         absl::StrCat("expected true or false, got '", *text,
                                      "'"));
          }
          config.set_account_holds(*text == "true");
        } else {  // detectors
          if (!value.IsSequence()) {
            return Error(
                path, value,
                absl::StrCat("expected a list, got ", DescribeYamlNode(value)));
          }
          for (size_t i = 0; i < value.size(); ++i) {
            absl::Status d = ReadDetector(absl::StrCat(path, "[", i, "]"),
                                          value[i], config.add_detectors());
            if (!d.ok()) return d;
          }
        }
        return absl::OkStatus();
      });
  if (!s.ok()) return s;
  if (s = Require(root, "", "name"); !s.ok()) return s;
  if (s = Require(root, "", "detectors"); !s.ok()) return s;
  if (s = ValidatePipeline(config); !s.ok()) return Locate(s);
  return config;
}

absl::Status YamlReader::Locate(const absl::Status& status) const {
  absl::string_view message = status.message();
  const size_t colon = message.find(": ");
  if (colon == absl::string_view::npos) return status;
  std::string path(message.substr(0, colon));
  while (true) {
    auto it = marks_.find(path);
    if (it != marks_.end()) {
      return absl::Status(status.code(),
                          absl::StrCat(message, YamlLocation(it->second)));
    }
    const size_t cut = path.find_last_of(".[");
    if (cut == std::string::npos || cut == 0) return status;
    path.resize(cut);
  }
}

}  // namespace

absl::StatusOr<PipelineConfig> ParsePipelineYaml(std::string_view yaml) {
  // yaml-cpp reports errors by throwing; nothing may escape this function.
  try {
    // Not YAML::LoadAll: it can loop for ever (yaml_documents.h).
    absl::StatusOr<YAML::Node> document = LoadOneYamlDocument(yaml, "pipeline");
    if (!document.ok()) return document.status();
    YamlReader reader;
    return reader.Read(*document);
  } catch (const YAML::Exception& e) {
    return absl::InvalidArgumentError(
        absl::StrCat("(document): invalid YAML: ", e.msg, YamlLocation(e.mark)));
  } catch (const std::exception& e) {
    return absl::InternalError(
        absl::StrCat("(document): reading YAML failed: ", e.what()));
  } catch (...) {
    return absl::InternalError("(document): reading YAML failed");
  }
}

}  // namespace config
}  // namespace riskflow
