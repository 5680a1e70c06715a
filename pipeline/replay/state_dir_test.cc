// The rule that keeps a replay out of live data directories.
#include "pipeline/replay/state_dir.h"

#include <fcntl.h>
#include <signal.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include <fstream>
#include <string>

#include "gmock/gmock.h"
#include "gtest/gtest.h"
#include "pipeline/state/state_store.h"
#include "pipeline/storage/store.h"
#include "pipeline/storage/test_util.h"

namespace riskflow::replay {
namespace {

using ::testing::HasSubstr;

bool Exists(const std::string& path) {
  struct stat st;
  return stat(path.c_str(), &st) == 0;
}

TEST(StateDirTest, NewDirectoryGetsTheMarker) {
  storage::ScopedTempDir tmp;
  const std::string dir = tmp.path() + "/a/b";
  ASSERT_TRUE(PrepareStateDir(dir, "").ok());
  EXPECT_TRUE(Exists(dir + "/" + kReplayMarker));
}

TEST(StateDirTest, MarkedDirectoryIsReusedWithFreshStores) {
  storage::ScopedTempDir tmp;
  ASSERT_TRUE(PrepareStateDir(tmp.path(), "").ok());
  {
    auto store = state::OpenStateStore(tmp.path() + "/engine", {});
    ASSERT_TRUE(store.ok());
  }
  ASSERT_TRUE(PrepareStateDir(tmp.path(), "").ok());
  EXPECT_FALSE(Exists(tmp.path() + "/engine"));
}

TEST(StateDirTest, RefusesADataDirectoryWithoutTheMarker) {
  storage::ScopedTempDir tmp;
  // What riskflowd leaves behind: stores in log/ and engine/.
  for (const char* sub : {"/log", "/engine"}) {
    auto store = storage::Store::Open(tmp.path() + sub, {});
    ASSERT_TRUE(store.ok());
  }
  absl::Status s = PrepareStateDir(tmp.path(), "");
  EXPECT_TRUE(absl::IsFailedPrecondition(s));
  EXPECT_THAT(s.message(), HasSubstr("holds RocksDB data but no REPLAY_STATE"));
  // Nothing was touched.
  EXPECT_TRUE(Exists(tmp.path() + "/log/CURRENT"));
  EXPECT_FALSE(Exists(tmp.path() + "/" + kReplayMarker));
}

TEST(StateDirTest, RefusesToOverlapTheReplayedDataDirectory) {
  storage::ScopedTempDir tmp;
  for (const std::string& dir :
       {tmp.path(), tmp.path() + "/replay", tmp.path() + "/../"}) {
    absl::Status s = PrepareStateDir(dir, tmp.path());
    EXPECT_TRUE(absl::IsFailedPrecondition(s)) << dir;
    EXPECT_THAT(s.message(), HasSubstr("overlaps the data directory")) << dir;
  }
  EXPECT_TRUE(PrepareStateDir(tmp.path() + "-replay", tmp.path()).ok());
  (void)RemoveTree(tmp.path() + "-replay");
}

TEST(StateDirTest, RefusesADirectoryWhoseLockAnotherProcessHolds) {
  storage::ScopedTempDir tmp;
  // Even a marked directory: a running riskflowd must never share it.
  ASSERT_TRUE(PrepareStateDir(tmp.path(), "").ok());
  ASSERT_EQ(mkdir((tmp.path() + "/log").c_str(), 0755), 0);
  const std::string lock = tmp.path() + "/log/LOCK";
  int ready[2];
  ASSERT_EQ(pipe(ready), 0);
  pid_t child = fork();
  ASSERT_GE(child, 0);
  if (child == 0) {
    // Locks LOCK the way RocksDB does (an fcntl write lock), then waits.
    int fd = open(lock.c_str(), O_RDWR | O_CREAT, 0644);
    struct flock fl = {};
    fl.l_type = F_WRLCK;
    fl.l_whence = SEEK_SET;
    char ok = fcntl(fd, F_SETLK, &fl) == 0 ? 'y' : 'n';
    (void)!write(ready[1], &ok, 1);
    pause();
    _exit(0);
  }
  char ok = 0;
  ASSERT_EQ(read(ready[0], &ok, 1), 1);
  ASSERT_EQ(ok, 'y');
  absl::Status s = PrepareStateDir(tmp.path(), "");
  kill(child, SIGKILL);
  waitpid(child, nullptr, 0);
  close(ready[0]);
  close(ready[1]);
  EXPECT_TRUE(absl::IsFailedPrecondition(s));
  EXPECT_THAT(s.message(), HasSubstr("is in use by process " +
                                     std::to_string(child)));
}

TEST(StateDirTest, RefusesAFile) {
  storage::ScopedTempDir tmp;
  const std::string file = tmp.path() + "/f";
  std::ofstream(file) << "x";
  EXPECT_THAT(PrepareStateDir(file, "").message(),
              HasSubstr("exists and is not a directory"));
}

TEST(StateDirTest, TemporaryDirectoriesAreFreshAndRemovable) {
  auto a = MakeTempStateDir();
  auto b = MakeTempStateDir();
  ASSERT_TRUE(a.ok() && b.ok());
  EXPECT_NE(*a, *b);
  EXPECT_TRUE(RemoveTree(*a).ok());
  EXPECT_TRUE(RemoveTree(*b).ok());
  EXPECT_FALSE(Exists(*a));
}

}  // namespace
}  // namespace riskflow::replay
