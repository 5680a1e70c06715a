#include "pipeline/plugin_host/pipeline.h"

#include <map>

#include "absl/strings/str_cat.h"
#include "pipeline/config/hashing.h"
#include "pipeline/plugin_host/shard_detectors.h"
#include "pipeline/state/state_store.h"
#include "plugins/sdk/file_params.h"

namespace riskflow::plugin_host {

Pipeline::~Pipeline() = default;

absl::StatusOr<std::unique_ptr<Pipeline>> Pipeline::Load(
    const riskflow::v1::PipelineConfig& config, const PluginPolicy& policy) {
  std::unique_ptr<Pipeline> pipeline(new Pipeline());
  pipeline->config_ = config;
  std::string hash_input = config::CanonicalConfigBytes(config);
  const BuildApproval approve = ApproveBuilds(policy, config);
  for (const riskflow::v1::DetectorConfig& dc : config.detectors()) {
    auto slot = std::make_unique<DetectorSlot>();
    slot->config = dc;
    absl::StatusOr<std::string> path =
        ResolvePluginPath(dc.plugin(), policy.search_path);
    if (!path.ok()) {
      return absl::Status(path.status().code(),
                          absl::StrCat("detector '", dc.name(), "': ",
                                       path.status().message()));
    }
    absl::StatusOr<std::shared_ptr<LoadedPlugin>> plugin = LoadPlugin(*path, approve);
    if (!plugin.ok()) {
      return absl::Status(plugin.status().code(),
                          absl::StrCat("detector '", dc.name(), "': ",
                                       plugin.status().message()));
    }
    slot->plugin = *plugin;
    const rf_plugin_descriptor& d = slot->plugin->descriptor();
    std::map<std::string, std::string> raw(dc.params().begin(),
                                           dc.params().end());
    std::string error;
    if (!sdk::ParseParams(d.params, d.param_count, raw, &slot->params,
                          &error)) {
      return absl::InvalidArgumentError(
          absl::StrCat("detector '", dc.name(), "' (plugin ", d.name, " at ",
                       *path, "): ", error));
    }
    // FILE parameters: read now (and on every reload, which loads anew),
    // so the plugin never does I/O and the version names the exact bytes.
    std::vector<sdk::LoadedFileParam> files;
    if (!sdk::LoadFileParams(d.params, d.param_count, policy.file_param_dir,
                             &slot->params, &files, &error)) {
      return absl::InvalidArgumentError(
          absl::StrCat("detector '", dc.name(), "' (plugin ", d.name, "): ",
                       error));
    }
    riskflow::v1::PluginBuild build;
    build.set_detector(dc.name());
    build.set_build_id(slot->plugin->build_id());
    absl::StrAppend(&hash_input, "\n", dc.name(), "=",
                    slot->plugin->build_id());
    for (const sdk::LoadedFileParam& f : files) {
      riskflow::v1::ParamFile* pf = build.add_files();
      pf->set_param(f.param);
      pf->set_path(f.path);
      pf->set_sha256(config::Sha256Hex(f.contents));
      pf->set_bytes(f.contents.size());
      slot->files.push_back(*pf);
      absl::StrAppend(&hash_input, "\n", dc.name(), ".", f.param,
                      "#sha256=", pf->sha256());
    }
    pipeline->builds_.push_back(build);
    pipeline->detectors_.push_back(std::move(slot));
  }
  pipeline->version_hash_ = config::Sha256Hex(hash_input);
  return pipeline;
}

absl::StatusOr<std::unique_ptr<ShardDetectors>> Pipeline::Instantiate(
    state::ShardState* shard_state, storage::Store* store) {
  auto shard = std::make_unique<ShardDetectors>(this, shard_state);
  for (const auto& slot : detectors_) {
    if (auto s = shard->Create(slot.get()); !s.ok()) return s;
    slot->states_sealed = true;
    slot->partition_sealed = true;
    for (const state::StateSpec& spec : slot->states) {
      state::RegisterState(store, spec);
    }
  }
  return shard;
}

absl::Status Pipeline::TryCreate() {
  // create() only declares states into the slot; it never reads the shard
  // state, so none is needed.
  ShardDetectors scratch(this, /*state=*/nullptr);
  for (const auto& slot : detectors_) {
    if (auto s = scratch.Create(slot.get()); !s.ok()) return s;
  }
  return absl::OkStatus();
}

}  // namespace riskflow::plugin_host
