#include "tests/decisions.h"

#include <fstream>

#include "google/protobuf/util/json_util.h"
#include "gtest/gtest.h"

namespace riskflow::e2e {

using riskflow::v1::Annotation;
using riskflow::v1::Decision;

std::map<std::string, Decision> ReadDecisionsJsonl(const std::string& path) {
  std::map<std::string, Decision> out;
  std::ifstream in(path);
  for (std::string line; std::getline(in, line);) {
    Decision d;
    EXPECT_TRUE(google::protobuf::util::JsonStringToMessage(line, &d).ok())
        << path << ": " << line;
    out[d.event_id()] = d;
  }
  return out;
}

std::vector<std::string> EventIds(const std::vector<Decision>& decisions) {
  std::vector<std::string> ids;
  for (const Decision& d : decisions) ids.push_back(d.event_id());
  return ids;
}

std::vector<std::string> EventIdsOf(const std::vector<Decision>& decisions,
                                    const std::string& account) {
  std::vector<std::string> ids;
  for (const Decision& d : decisions) {
    if (d.account_id() == account) ids.push_back(d.event_id());
  }
  return ids;
}

std::vector<uint64_t> SinkSequences(const std::vector<Decision>& decisions) {
  std::vector<uint64_t> seqs;
  for (const Decision& d : decisions) seqs.push_back(d.sink_sequence());
  return seqs;
}

std::vector<riskflow::v1::Route> Routes(const Decision& d) {
  std::vector<riskflow::v1::Route> routes;
  for (int r : d.routes())
    routes.push_back(static_cast<riskflow::v1::Route>(r));
  return routes;
}

std::vector<std::string> Detectors(const Decision& d) {
  std::vector<std::string> names;
  for (const Annotation& a : d.annotations()) names.push_back(a.detector());
  return names;
}

const Annotation* FindAnnotation(const Decision& d,
                                 const std::string& detector) {
  for (const Annotation& a : d.annotations()) {
    if (a.detector() == detector) return &a;
  }
  return nullptr;
}

std::map<std::string, std::string> EvidenceMap(const Annotation& a) {
  std::map<std::string, std::string> out;
  for (const riskflow::v1::Evidence& e : a.evidence()) out[e.key()] = e.value();
  return out;
}

std::vector<std::pair<std::string, std::string>> ExpectedBuilds(
    const Decision& d, const riskflow::v1::ListPluginsResponse& plugins) {
  std::vector<std::pair<std::string, std::string>> out;
  for (const riskflow::v1::PluginInfo& p : plugins.plugins()) {
    if (FindAnnotation(d, p.detector()) != nullptr) {
      out.emplace_back(p.detector(), p.build_id());
    }
  }
  return out;
}

std::vector<std::pair<std::string, std::string>> Builds(const Decision& d) {
  std::vector<std::pair<std::string, std::string>> out;
  for (const riskflow::v1::PluginBuild& b : d.plugin_builds()) {
    out.emplace_back(b.detector(), b.build_id());
  }
  return out;
}

}  // namespace riskflow::e2e
