#include "pipeline/config/yaml_documents.h"

#include <yaml-cpp/eventhandler.h>

#include <sstream>
#include <string>

#include "absl/strings/str_cat.h"

namespace riskflow {
namespace config {
namespace {

class DocumentStarts : public YAML::EventHandler {
 public:
  std::vector<YAML::Mark> starts;

  void OnDocumentStart(const YAML::Mark& mark) override {
    starts.push_back(mark);
  }
  void OnDocumentEnd() override {}
  void OnNull(const YAML::Mark&, YAML::anchor_t) override {}
  void OnAlias(const YAML::Mark&, YAML::anchor_t) override {}
  void OnScalar(const YAML::Mark&, const std::string&, YAML::anchor_t,
                const std::string&) override {}
  void OnSequenceStart(const YAML::Mark&, const std::string&, YAML::anchor_t,
                       YAML::EmitterStyle::value) override {}
  void OnSequenceEnd() override {}
  void OnMapStart(const YAML::Mark&, const std::string&, YAML::anchor_t,
                  YAML::EmitterStyle::value) override {}
  void OnMapEnd() override {}
};

}  // namespace

absl::StatusOr<std::vector<YAML::Mark>> YamlDocumentStarts(
    std::string_view yaml) {
  std::istringstream in{std::string(yaml)};
  YAML::Parser parser(in);
  DocumentStarts handler;
  while (parser.HandleNextDocument(handler)) {
    const size_t n = handler.starts.size();
    if (n >= 2 && handler.starts[n - 1].pos == handler.starts[n - 2].pos) {
      const YAML::Mark& at = handler.starts[n - 1];
      return absl::InvalidArgumentError(absl::StrCat(
          "(document): invalid YAML: unexpected ',' outside a flow "
          "collection at line ",
          at.line + 1, ", column ", at.column + 1));
    }
  }
  return std::move(handler.starts);
}

absl::StatusOr<YAML::Node> LoadOneYamlDocument(std::string_view yaml,
                                               std::string_view what) {
  absl::StatusOr<std::vector<YAML::Mark>> starts = YamlDocumentStarts(yaml);
  if (!starts.ok()) return starts.status();
  if (starts->size() > 1) {
    return absl::InvalidArgumentError(
        absl::StrCat("(document): expected one YAML document, found ",
                     starts->size(), YamlLocation((*starts)[1])));
  }
  YAML::Node document = YAML::Load(std::string(yaml));
  if (starts->empty() || document.IsNull()) {
    return absl::InvalidArgumentError(
        absl::StrCat("(document): the ", std::string(what), " is empty"));
  }
  return document;
}

std::string YamlLocation(const YAML::Mark& mark) {
  if (mark.is_null()) return "";
  return absl::StrCat(" at line ", mark.line + 1, ", column ", mark.column + 1);
}

const char* DescribeYamlNode(const YAML::Node& node) {
  switch (node.Type()) {
    case YAML::NodeType::Scalar:
      return "a scalar";
    case YAML::NodeType::Sequence:
      return "a list";
    case YAML::NodeType::Map:
      return "a map";
    default:
      return "nothing";
  }
}

}  // namespace config
}  // namespace riskflow
