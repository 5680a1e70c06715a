// The segment log tests' fixture: a temp dir, (re)opening the log, and
// reading records and files back.
#ifndef RISKFLOW_PIPELINE_LOG_SEGMENT_SEGMENT_LOG_TEST_FIXTURE_H_
#define RISKFLOW_PIPELINE_LOG_SEGMENT_SEGMENT_LOG_TEST_FIXTURE_H_

#include "pipeline/log/segment/segment_log.h"

#include <fcntl.h>
#include <stdlib.h>
#include <sys/stat.h>
#include <unistd.h>

#include <atomic>
#include <filesystem>
#include <fstream>
#include <map>
#include <random>
#include <set>
#include <string>
#include <thread>
#include <vector>

#include "absl/strings/str_cat.h"
#include "absl/synchronization/mutex.h"
#include "absl/time/clock.h"
#include "gmock/gmock.h"
#include "gtest/gtest.h"
#include "pipeline/log/segment/segment_format.h"

namespace riskflow::log::segment {

inline std::string ReadFile(const std::string& path) {
  std::ifstream in(path, std::ios::binary);
  return std::string(std::istreambuf_iterator<char>(in), {});
}

inline void WriteFile(const std::string& path, const std::string& data) {
  std::ofstream out(path, std::ios::binary | std::ios::trunc);
  out.write(data.data(), static_cast<std::streamsize>(data.size()));
}

class SegmentLogTest : public ::testing::Test {
 protected:
  void SetUp() override {
    const char* base = getenv("TEST_TMPDIR");
    std::string tmpl =
        std::string(base != nullptr ? base : "/tmp") + "/seglog_XXXXXX";
    std::vector<char> buf(tmpl.begin(), tmpl.end());
    buf.push_back('\0');
    ASSERT_NE(mkdtemp(buf.data()), nullptr);
    dir_ = buf.data();
  }
  void TearDown() override {
    log_.reset();
    std::error_code ec;
    std::filesystem::remove_all(dir_, ec);
  }

  SegmentLogOptions Options() {
    SegmentLogOptions options;
    // These tests write and cut segment files by hand and expect the
    // records to end where the file ends; prepared (zero-filled) files
    // have their own tests (segment_preparer_test.cc).
    options.prepare_segments = false;
    options.log_line = [this](const std::string& line) {
      absl::MutexLock lock(&lines_mu_);
      lines_.push_back(line);
    };
    return options;
  }

  absl::Status Reopen(const SegmentLogOptions& options) {
    log_.reset();
    auto log = SegmentLog::Open(dir_, options);
    if (!log.ok()) return log.status();
    log_ = std::move(*log);
    return absl::OkStatus();
  }

  // Every record from `from` on, in order.
  std::vector<std::pair<uint64_t, std::string>> ScanAll(uint64_t from = 1) {
    std::vector<std::pair<uint64_t, std::string>> out;
    absl::Status s = log_->Scan(from, [&](uint64_t seq, std::string_view p) {
      out.emplace_back(seq, std::string(p));
      return true;
    });
    EXPECT_TRUE(s.ok()) << s;
    return out;
  }

  // The directory's files ending in `suffix`, sorted.
  std::vector<std::string> SegmentFiles(const std::string& suffix = ".seg") {
    std::vector<std::string> files;
    for (const auto& e : std::filesystem::directory_iterator(dir_)) {
      const std::string name = e.path().filename().string();
      if (name.size() > suffix.size() &&
          name.compare(name.size() - suffix.size(), suffix.size(), suffix) ==
              0) {
        files.push_back(name);
      }
    }
    std::sort(files.begin(), files.end());
    return files;
  }

  std::string Path(const std::string& name) { return dir_ + "/" + name; }

  std::string dir_;
  std::unique_ptr<SegmentLog> log_;
  absl::Mutex lines_mu_;
  std::vector<std::string> lines_;
};

inline std::string Payload(uint64_t i, size_t size = 40) {
  std::string p = absl::StrCat("record-", i, "-");
  while (p.size() < size) p.push_back(static_cast<char>('a' + (i + p.size()) % 26));
  return p;
}

}  // namespace riskflow::log::segment

#endif  // RISKFLOW_PIPELINE_LOG_SEGMENT_SEGMENT_LOG_TEST_FIXTURE_H_
