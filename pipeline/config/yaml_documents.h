// Where each document of a YAML stream starts, without yaml-cpp's LoadAll.
//
// Why: yaml-cpp 0.7's LoadAll never returns on a stream whose document
// starts with a flow entry ',' outside any flow collection ("," or ", a",
// found by //fuzz:pipeline_yaml_fuzzer): Parser::HandleNextDocument reports
// a new, empty document without consuming the token, again and again, and
// LoadAll appends nodes until memory runs out. Through ReloadPipeline that
// is one request taking an admin thread and the daemon's memory.
// This walks the stream with an event handler (no nodes built) and stops
// when a document starts where the previous one started.
#ifndef RISKFLOW_PIPELINE_CONFIG_YAML_DOCUMENTS_H_
#define RISKFLOW_PIPELINE_CONFIG_YAML_DOCUMENTS_H_

#include <yaml-cpp/yaml.h>

#include <string_view>
#include <vector>

#include "absl/status/statusor.h"

namespace riskflow {
namespace config {

// The start marks of the stream's documents, in order (empty for an empty
// stream or one of comments only). A stuck parser is InvalidArgument
// "(document): invalid YAML: unexpected ',' outside a flow collection at
// line L, column C". yaml-cpp's own errors propagate as YAML::Exception,
// as from YAML::Load.
absl::StatusOr<std::vector<YAML::Mark>> YamlDocumentStarts(
    std::string_view yaml);

// The single document of `yaml`, loaded without LoadAll. InvalidArgument
// "(document): the <what> is empty" for an empty stream, "(document):
// expected one YAML document, found N at line L, column C" for more than
// one (silently ignoring the rest would run half a config). yaml-cpp's own
// errors propagate as YAML::Exception, as from YAML::Load.
absl::StatusOr<YAML::Node> LoadOneYamlDocument(std::string_view yaml,
                                               std::string_view what);

// " at line L, column C" (1-based) for a known mark, "" otherwise: the tail
// of every config error message.
std::string YamlLocation(const YAML::Mark& mark);

// "a scalar", "a list", "a map" or "nothing", for "expected X, got Y".
const char* DescribeYamlNode(const YAML::Node& node);

}  // namespace config
}  // namespace riskflow

#endif  // RISKFLOW_PIPELINE_CONFIG_YAML_DOCUMENTS_H_
