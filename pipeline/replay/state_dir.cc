#include "pipeline/replay/state_dir.h"

#include <fcntl.h>
#include <stdlib.h>
#include <unistd.h>

#include <cstdio>
#include <filesystem>
#include <fstream>
#include <system_error>

#include "absl/strings/str_cat.h"

namespace riskflow::replay {
namespace {

namespace fs = std::filesystem;

// The stores a replay (or riskflowd) keeps under its directory.
constexpr const char* kStoreDirs[] = {"", "/log", "/engine"};

bool Exists(const fs::path& p) {
  std::error_code ec;
  return fs::exists(p, ec);
}

bool HasRocksDbFiles(const fs::path& dir) {
  return Exists(dir / "CURRENT") || Exists(dir / "IDENTITY") ||
         Exists(dir / "LOCK");
}

// The pid holding RocksDB's LOCK (an fcntl write lock), or 0. fcntl locks
// are per process, so a lock this process holds is not seen here; the
// marker rule covers that case (in-process daemons in tests).
pid_t LockHolder(const fs::path& lock_file) {
  int fd = ::open(lock_file.c_str(), O_RDONLY | O_CLOEXEC);
  if (fd < 0) return 0;
  struct flock fl = {};
  fl.l_type = F_WRLCK;
  fl.l_whence = SEEK_SET;
  pid_t holder = 0;
  if (fcntl(fd, F_GETLK, &fl) == 0 && fl.l_type != F_UNLCK) holder = fl.l_pid;
  ::close(fd);
  return holder;
}

fs::path Canonical(const std::string& p) {
  std::error_code ec;
  fs::path c = fs::weakly_canonical(fs::absolute(p, ec), ec);
  return ec ? fs::path(p) : c;
}

// True when `inner` is `outer` or lies below it.
bool Within(const fs::path& inner, const fs::path& outer) {
  auto i = inner.begin();
  for (auto o = outer.begin(); o != outer.end(); ++o, ++i) {
    if (o->empty()) continue;  // trailing separator
    if (i == inner.end() || *i != *o) return false;
  }
  return true;
}

}  // namespace

absl::Status PrepareStateDir(const std::string& dir,
                             const std::string& input_data_dir) {
  if (dir.empty()) {
    return absl::InvalidArgumentError("--state_dir: a directory is required");
  }
  const fs::path state = Canonical(dir);
  if (!input_data_dir.empty()) {
    const fs::path input = Canonical(input_data_dir);
    if (Within(state, input) || Within(input, state)) {
      return absl::FailedPreconditionError(absl::StrCat(
          "refusing --state_dir ", dir, ": it overlaps the data directory ",
          input_data_dir,
          " being replayed; a replay never writes into live data"));
    }
  }
  std::error_code ec;
  if (Exists(state) && !fs::is_directory(state, ec)) {
    return absl::InvalidArgumentError(
        absl::StrCat("--state_dir: ", dir, " exists and is not a directory"));
  }
  for (const char* sub : kStoreDirs) {
    const fs::path store = fs::path(state.string() + sub);
    if (pid_t pid = LockHolder(store / "LOCK"); pid != 0) {
      return absl::FailedPreconditionError(absl::StrCat(
          "refusing --state_dir ", dir, ": ", store.string(),
          " is in use by process ", pid,
          " (a running riskflowd?); a replay needs its own directory"));
    }
  }
  if (!Exists(state / kReplayMarker)) {
    for (const char* sub : kStoreDirs) {
      if (HasRocksDbFiles(fs::path(state.string() + sub))) {
        return absl::FailedPreconditionError(absl::StrCat(
            "refusing --state_dir ", dir,
            ": it holds RocksDB data but no ", kReplayMarker,
            " marker, so it looks like a riskflowd data directory; a replay "
            "never writes into live data (use an empty or new directory)"));
      }
    }
  }
  fs::create_directories(state, ec);
  if (ec) {
    return absl::InvalidArgumentError(absl::StrCat(
        "--state_dir: cannot create ", dir, ": ", ec.message()));
  }
  {
    std::ofstream marker(state / kReplayMarker, std::ios::trunc);
    marker << "This is a riskflow replay state directory. `riskflow replay` "
              "deletes and recreates log/ and engine/ here on every run.\n";
    if (!marker.good()) {
      return absl::PermissionDeniedError(absl::StrCat(
          "--state_dir: cannot write ", (state / kReplayMarker).string()));
    }
  }
  for (const char* sub : {"/log", "/engine", "/spill"}) {
    if (auto s = RemoveTree(state.string() + sub); !s.ok()) return s;
  }
  return absl::OkStatus();
}

absl::StatusOr<std::string> MakeTempStateDir() {
  const char* tmp = std::getenv("TMPDIR");
  std::string tmpl = absl::StrCat(tmp != nullptr && *tmp ? tmp : "/tmp",
                                  "/riskflow-replay-XXXXXX");
  if (mkdtemp(tmpl.data()) == nullptr) {
    return absl::UnavailableError(
        absl::StrCat("cannot create a temporary state directory ", tmpl));
  }
  return tmpl;
}

absl::Status RemoveTree(const std::string& dir) {
  std::error_code ec;
  fs::remove_all(dir, ec);
  if (ec) {
    return absl::UnavailableError(
        absl::StrCat("cannot remove ", dir, ": ", ec.message()));
  }
  return absl::OkStatus();
}

}  // namespace riskflow::replay
