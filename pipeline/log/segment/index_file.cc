#include "pipeline/log/segment/index_file.h"

#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <unistd.h>

#include <cstdio>
#include <cstring>

#include "absl/strings/str_cat.h"
#include "pipeline/log/segment/crc32c.h"
#include "pipeline/log/segment/segment_format.h"

namespace riskflow::log::segment {
namespace {

constexpr char kMagic[8] = {'R', 'F', 'S', 'I', 'D', 'X', '1', '\0'};
constexpr size_t kFixedBytes = 8 + 4 * 8;

void PutU64(std::string* out, uint64_t v) {
  for (int i = 0; i < 8; ++i) out->push_back(static_cast<char>(v >> (8 * i)));
}

uint64_t GetU64(const char* p) {
  uint64_t v = 0;
  for (int i = 7; i >= 0; --i) v = (v << 8) | static_cast<uint8_t>(p[i]);
  return v;
}

}  // namespace

std::string IndexFilePath(const std::string& dir, uint64_t first_sequence) {
  std::string name = SegmentFileName(first_sequence);
  name.replace(name.size() - kSegmentSuffix.size(), kSegmentSuffix.size(),
               ".idx");
  return absl::StrCat(dir, "/", name);
}

std::string EncodeSegmentIndex(const SegmentIndex& index) {
  std::string out(kMagic, sizeof(kMagic));
  PutU64(&out, index.first_sequence);
  PutU64(&out, index.next_sequence);
  PutU64(&out, index.segment_bytes);
  PutU64(&out, index.entries.size());
  for (const auto& [sequence, offset] : index.entries) {
    PutU64(&out, sequence);
    PutU64(&out, offset);
  }
  char crc[4];
  PutU32(crc, Crc32c(out));
  out.append(crc, 4);
  return out;
}

absl::StatusOr<SegmentIndex> DecodeSegmentIndex(const std::string& data) {
  if (data.size() < kFixedBytes + 4 ||
      std::memcmp(data.data(), kMagic, sizeof(kMagic)) != 0) {
    return absl::DataLossError("not a segment index file (magic or size)");
  }
  const size_t body = data.size() - 4;
  if (Crc32cExtend(0, data.data(), body) != GetU32(data.data() + body)) {
    return absl::DataLossError("segment index file fails its CRC32C");
  }
  SegmentIndex index;
  const char* p = data.data() + 8;
  index.first_sequence = GetU64(p);
  index.next_sequence = GetU64(p + 8);
  index.segment_bytes = GetU64(p + 16);
  const uint64_t count = GetU64(p + 24);
  if (count != (body - kFixedBytes) / 16 || (body - kFixedBytes) % 16 != 0) {
    return absl::DataLossError("segment index file has a wrong entry count");
  }
  p += 32;
  for (uint64_t i = 0; i < count; ++i, p += 16) {
    const uint64_t sequence = GetU64(p);
    const uint64_t offset = GetU64(p + 8);
    const bool in_order =
        i == 0 ? (sequence == index.first_sequence && offset == 0)
               : (sequence > index.entries.back().first &&
                  offset > index.entries.back().second);
    if (!in_order || sequence >= index.next_sequence ||
        offset >= index.segment_bytes) {
      return absl::DataLossError(
          absl::StrCat("segment index entry ", i, " is out of order"));
    }
    index.entries.emplace_back(sequence, offset);
  }
  if ((index.segment_bytes > 0) != (count > 0) ||
      index.next_sequence < index.first_sequence) {
    return absl::DataLossError("segment index file is inconsistent");
  }
  return index;
}

absl::Status WriteSegmentIndex(const std::string& dir,
                               const SegmentIndex& index) {
  const std::string path = IndexFilePath(dir, index.first_sequence);
  const std::string tmp = path + ".tmp";
  const std::string data = EncodeSegmentIndex(index);
  const int fd =
      ::open(tmp.c_str(), O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0644);
  if (fd < 0) {
    return absl::UnavailableError(
        absl::StrCat("creating ", tmp, ": ", std::strerror(errno)));
  }
  size_t done = 0;
  while (done < data.size()) {
    const ssize_t n = ::write(fd, data.data() + done, data.size() - done);
    if (n < 0 && errno == EINTR) continue;
    if (n <= 0) {
      const int err = errno;
      ::close(fd);
      ::unlink(tmp.c_str());
      return absl::UnavailableError(
          absl::StrCat("writing ", tmp, ": ", std::strerror(err)));
    }
    done += static_cast<size_t>(n);
  }
  ::close(fd);
  if (::rename(tmp.c_str(), path.c_str()) != 0) {
    const int err = errno;
    ::unlink(tmp.c_str());
    return absl::UnavailableError(
        absl::StrCat("renaming ", tmp, ": ", std::strerror(err)));
  }
  return absl::OkStatus();
}

}  // namespace riskflow::log::segment
