#include "pipeline/server/auth/policy_yaml.h"

#include <yaml-cpp/yaml.h>

#include <exception>
#include <fstream>
#include <sstream>
#include <string>
#include <utility>

#include "absl/container/flat_hash_set.h"
#include "absl/status/status.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/string_view.h"
#include "pipeline/config/yaml_documents.h"

namespace riskflow::server::auth {
namespace {

using ::riskflow::config::DescribeYamlNode;
using ::riskflow::config::LoadOneYamlDocument;
using ::riskflow::config::YamlLocation;

absl::Status Error(const std::string& path, const YAML::Node& at,
                   absl::string_view reason) {
  return absl::InvalidArgumentError(
      absl::StrCat(path, ": ", reason, YamlLocation(at.Mark())));
}

// Calls field(key, path, key_node, value) for each entry of a map, in
// document order; rejects non-string, empty and repeated keys (yaml-cpp
// keeps duplicates, and a repeated identity would silently merge or drop
// grants).
template <typename Fn>
absl::Status ForEachEntry(const YAML::Node& map, const std::string& path,
                          Fn field) {
  if (!map.IsMap()) {
    return Error(path, map, absl::StrCat("expected a map, got ", DescribeYamlNode(map)));
  }
  absl::flat_hash_set<std::string> seen;
  const std::string prefix = path == "(document)" ? "" : path + ".";
  for (const auto& entry : map) {
    const YAML::Node& key = entry.first;
    if (!key.IsScalar() || key.Scalar().empty()) {
      return Error(path, key, "keys must be non-empty strings");
    }
    const std::string field_path = prefix + key.Scalar();
    if (!seen.insert(key.Scalar()).second) {
      return Error(field_path, key, "duplicate key");
    }
    if (absl::Status s = field(key.Scalar(), field_path, key, entry.second);
        !s.ok()) {
      return s;
    }
  }
  return absl::OkStatus();
}

absl::StatusOr<std::string> NonEmptyScalar(const std::string& path,
                                           const YAML::Node& key,
                                           const YAML::Node& value) {
  if (value.IsNull()) return Error(path, key, "missing value");
  if (!value.IsScalar()) {
    return Error(path, value,
                 absl::StrCat("expected a string, got ", DescribeYamlNode(value)));
  }
  if (value.Scalar().empty()) return Error(path, value, "must not be empty");
  return value.Scalar();
}

absl::StatusOr<bool> Bool(const std::string& path, const YAML::Node& key,
                          const YAML::Node& value) {
  absl::StatusOr<std::string> text = NonEmptyScalar(path, key, value);
  if (!text.ok()) return text.status();
  // Only the two words: YAML 1.1's yes/no/on/off are easy to misread in a
  // security file.
  if (*text == "true") return true;
  if (*text == "false") return false;
  return Error(path, value,
               absl::StrCat("expected true or false, got '", *text, "'"));
}

absl::Status ReadChannels(const std::string& path, const YAML::Node& key,
                          const YAML::Node& value, Grants* grants) {
  if (!value.IsSequence()) {
    return Error(path, value.IsNull() ? key : value,
                 absl::StrCat("expected a list of channel_ids, got ",
                              DescribeYamlNode(value)));
  }
  if (value.size() == 0) {
    return Error(path, value, "lists no channel_id (leave the role out)");
  }
  for (size_t i = 0; i < value.size(); ++i) {
    const std::string item_path = absl::StrCat(path, "[", i, "]");
    absl::StatusOr<std::string> channel =
        NonEmptyScalar(item_path, value[i], value[i]);
    if (!channel.ok()) return channel.status();
    if (!grants->channels.insert(*channel).second) {
      return Error(item_path, value[i],
                   absl::StrCat("channel_id '", *channel, "' is listed twice"));
    }
  }
  return absl::OkStatus();
}

absl::StatusOr<riskflow::v1::Route> ReadSink(const std::string& path,
                                             const YAML::Node& key,
                                             const YAML::Node& value) {
  absl::StatusOr<std::string> text = NonEmptyScalar(path, key, value);
  if (!text.ok()) return text.status();
  if (*text == "FREEZE") return riskflow::v1::FREEZE;
  if (*text == "NOTIFY") return riskflow::v1::NOTIFY;
  if (*text == "MANUAL_REVIEW") return riskflow::v1::MANUAL_REVIEW;
  return Error(path, value,
               absl::StrCat("unknown sink '", *text,
                            "' (expected FREEZE, NOTIFY or MANUAL_REVIEW)"));
}

absl::Status ReadConsumers(const std::string& path, const YAML::Node& key,
                           const YAML::Node& value, Grants* grants) {
  if (!value.IsSequence()) {
    return Error(path, value.IsNull() ? key : value,
                 absl::StrCat("expected a list of {sink, name}, got ",
                              DescribeYamlNode(value)));
  }
  if (value.size() == 0) {
    return Error(path, value, "lists no consumer (leave the role out)");
  }
  for (size_t i = 0; i < value.size(); ++i) {
    const std::string item_path = absl::StrCat(path, "[", i, "]");
    riskflow::v1::Route sink = riskflow::v1::ROUTE_UNSPECIFIED;
    std::string name;
    absl::Status s = ForEachEntry(
        value[i], item_path,
        [&](const std::string& k, const std::string& field_path,
            const YAML::Node& key_node,
            const YAML::Node& v) -> absl::Status {
          if (k == "sink") {
            absl::StatusOr<riskflow::v1::Route> r =
                ReadSink(field_path, key_node, v);
            if (!r.ok()) return r.status();
            sink = *r;
            return absl::OkStatus();
          }
          if (k == "name") {
            absl::StatusOr<std::string> n =
                NonEmptyScalar(field_path, key_node, v);
            if (!n.ok()) return n.status();
            name = *n;
            return absl::OkStatus();
          }
          return Error(field_path, key_node,
                       "unknown key (expected sink, name)");
        });
    if (!s.ok()) return s;
    if (sink == riskflow::v1::ROUTE_UNSPECIFIED) {
      return Error(item_path + ".sink", value[i], "required key is missing");
    }
    if (name.empty()) {
      return Error(item_path + ".name", value[i], "required key is missing");
    }
    if (!grants->consumers[sink].insert(name).second) {
      return Error(item_path, value[i],
                   absl::StrCat("consumer '", name, "' of ",
                                riskflow::v1::Route_Name(sink),
                                " is listed twice"));
    }
  }
  return absl::OkStatus();
}

absl::Status ReadIdentity(const std::string& path, const YAML::Node& key,
                          const YAML::Node& value, Grants* grants) {
  if (value.IsNull()) {
    return Error(path, key,
                 "grants no role (expected ingest, consumer, admin or reader)");
  }
  absl::Status s = ForEachEntry(
      value, path,
      [&](const std::string& role, const std::string& field_path,
          const YAML::Node& role_key, const YAML::Node& v) -> absl::Status {
        if (role == "ingest") {
          return ReadChannels(field_path, role_key, v, grants);
        }
        if (role == "consumer") {
          return ReadConsumers(field_path, role_key, v, grants);
        }
        if (role == "admin" || role == "reader") {
          absl::StatusOr<bool> b = Bool(field_path, role_key, v);
          if (!b.ok()) return b.status();
          (role == "admin" ? grants->admin : grants->reader) = *b;
          return absl::OkStatus();
        }
        return Error(field_path, role_key,
                     "unknown role (expected ingest, consumer, admin or "
                     "reader)");
      });
  if (!s.ok()) return s;
  if (grants->RoleNames() == "no role") {
    return Error(path, key,
                 "grants no role (expected ingest, consumer, admin or reader)");
  }
  return absl::OkStatus();
}

absl::StatusOr<Policy> Read(const YAML::Node& root) {
  Policy policy;
  bool has_identities = false;
  absl::Status s = ForEachEntry(
      root, "(document)",
      [&](const std::string& k, const std::string& field_path,
          const YAML::Node& key, const YAML::Node& v) -> absl::Status {
        if (k != "identities") {
          return Error(field_path, key, "unknown key (expected identities)");
        }
        has_identities = true;
        if (v.IsNull() || (v.IsMap() && v.size() == 0)) {
          return Error(field_path, key,
                       "names no identity (every call would be refused)");
        }
        return ForEachEntry(
            v, field_path,
            [&](const std::string& identity, const std::string& id_path,
                const YAML::Node& id_key,
                const YAML::Node& grants) -> absl::Status {
              return ReadIdentity(id_path, id_key, grants,
                                  &policy.identities[identity]);
            });
      });
  if (!s.ok()) return s;
  if (!has_identities) {
    return Error("identities", root, "required key is missing");
  }
  return policy;
}

}  // namespace

absl::StatusOr<Policy> ParsePolicyYaml(std::string_view yaml) {
  // yaml-cpp reports errors by throwing; nothing may escape this function.
  try {
    // Not YAML::LoadAll: a policy of "," made it loop for ever
    // (yaml_documents.h).
    absl::StatusOr<YAML::Node> document = LoadOneYamlDocument(yaml, "policy");
    if (!document.ok()) return document.status();
    return Read(*document);
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

absl::StatusOr<Policy> LoadPolicyFile(const std::string& path) {
  std::ifstream in(path, std::ios::binary);
  if (!in) {
    return absl::InvalidArgumentError(
        absl::StrCat(path, ": cannot open the policy file"));
  }
  std::stringstream buffer;
  buffer << in.rdbuf();
  absl::StatusOr<Policy> policy = ParsePolicyYaml(buffer.str());
  if (!policy.ok()) {
    return absl::Status(policy.status().code(),
                        absl::StrCat(path, ": ", policy.status().message()));
  }
  return policy;
}

}  // namespace riskflow::server::auth
