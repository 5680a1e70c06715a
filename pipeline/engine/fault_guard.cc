#include "pipeline/engine/fault_guard.h"

#include <sys/stat.h>

#include <cerrno>
#include <cstring>

#include "absl/strings/str_cat.h"

namespace riskflow::engine {

absl::StatusOr<std::unique_ptr<FaultGuard>> FaultGuard::Open(
    const std::string& dir, const std::string& prefix, storage::Store* store,
    uint32_t shards, const plugin_host::Pipeline& first) {
  if (mkdir(dir.c_str(), 0700) != 0 && errno != EEXIST) {
    return absl::InternalError(absl::StrCat(
        "cannot create the crash marker directory ", dir, ": ",
        std::strerror(errno)));
  }
  std::unique_ptr<FaultGuard> guard(new FaultGuard(store));
  if (auto s = guard->quarantine_.Load(); !s.ok()) return s;
  auto added = guard->quarantine_.QuarantineFromMarkers(dir, prefix, first);
  if (!added.ok()) return added.status();
  for (uint32_t k = 0; k < shards; ++k) {
    auto marker = plugin_host::CrashMarker::Open(
        absl::StrCat(dir, "/", prefix, "-", k, ".marker"));
    if (!marker.ok()) return marker.status();
    guard->markers_.push_back(std::move(*marker));
  }
  plugin_host::CrashMarker::InstallSignalHandlers();
  guard->ApplyTo(first);
  return guard;
}

std::vector<plugin_host::CrashMarker*> FaultGuard::markers() const {
  std::vector<plugin_host::CrashMarker*> out;
  for (const auto& m : markers_) out.push_back(m.get());
  return out;
}

absl::StatusOr<bool> FaultGuard::Clear(const std::string& detector,
                                       const plugin_host::Pipeline& running) {
  absl::StatusOr<bool> cleared = quarantine_.Clear(detector);
  if (!cleared.ok()) return cleared.status();
  bool found = *cleared;
  for (const auto& slot : running.detectors()) {
    if (slot->config.name() != detector) continue;
    found = found || slot->quarantined.load();
    slot->ClearQuarantine();
  }
  return found;
}

}  // namespace riskflow::engine
