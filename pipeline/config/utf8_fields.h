// Every string of a config message must be valid UTF-8.
//
// Why: proto3 `string` fields promise UTF-8. A pipeline YAML holding other
// bytes (a detector name, a parameter, the pipeline name; found by
// //fuzz:pipeline_yaml_fuzzer) was accepted, and those strings travel on:
// a detector's name into every annotation it makes and so into the sink
// outboxes, where a non-UTF-8 string makes the entry unreadable for
// consumers (issue 8, item 4); the config into GetPipeline answers that
// clients then fail to parse. Refusing at load keeps them out.
#ifndef RISKFLOW_PIPELINE_CONFIG_UTF8_FIELDS_H_
#define RISKFLOW_PIPELINE_CONFIG_UTF8_FIELDS_H_

#include "absl/status/status.h"
#include "google/protobuf/message.h"

namespace riskflow {
namespace config {

// InvalidArgument naming the first offending field by its path, in the
// YAML's spelling: "detectors[1].params.window: not valid UTF-8". Walks
// every string field, repeated field and map (keys and values) of `message`
// and its sub-messages, so fields added later are covered too.
absl::Status CheckUtf8Fields(const google::protobuf::Message& message);

}  // namespace config
}  // namespace riskflow

#endif  // RISKFLOW_PIPELINE_CONFIG_UTF8_FIELDS_H_
