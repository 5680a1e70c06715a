// detector_table: the table of docs/detectors.md from a labelled replay.
//
//   detector_table --events day.jsonl --decisions decided.jsonl \
//       --pipeline pipeline/config/all_detectors.yaml
//
// Prints Markdown (benign alerts per detector per 10K benign events, recall
// per labelled anomaly kind). tools/bench/detector_table.sh runs the whole
// datagen -> riskflow replay -> detector_table chain.
#include <cstdio>
#include <string>
#include <utility>
#include <vector>

#include "absl/flags/flag.h"
#include "absl/flags/parse.h"
#include "absl/strings/str_cat.h"
#include "pipeline/config/pipeline_yaml.h"
#include "tools/bench/detector_table.h"

ABSL_FLAG(std::string, events, "", "the replayed events (datagen JSONL)");
ABSL_FLAG(std::string, decisions, "", "riskflow replay's decisions");
ABSL_FLAG(std::string, pipeline, "pipeline/config/all_detectors.yaml",
          "the pipeline replayed (detector names -> plugins)");

namespace {

int Fail(const std::string& message) {
  std::fprintf(stderr, "detector_table: %s\n", message.c_str());
  return 2;
}

}  // namespace

int main(int argc, char** argv) {
  absl::ParseCommandLine(argc, argv);
  const std::string events_path = absl::GetFlag(FLAGS_events);
  const std::string decisions_path = absl::GetFlag(FLAGS_decisions);
  if (events_path.empty() || decisions_path.empty()) {
    return Fail("needs --events FILE and --decisions FILE");
  }
  auto pipeline =
      riskflow::config::LoadPipelineFile(absl::GetFlag(FLAGS_pipeline));
  if (!pipeline.ok()) return Fail(std::string(pipeline.status().message()));
  riskflow::bench::DetectorTable table(*pipeline);
  int64_t undecided = 0;
  absl::Status added = riskflow::bench::AddReplay(events_path, decisions_path,
                                                  &table, &undecided);
  if (!added.ok()) return Fail(std::string(added.message()));
  std::printf("%s", table.Markdown().c_str());
  if (undecided > 0) {
    std::fprintf(stderr, "detector_table: %lld events had no decision\n",
                 static_cast<long long>(undecided));
  }
  return 0;
}
