#include "pipeline/log/id_chunk_file.h"

#include <cstdio>
#include <fstream>
#include <iterator>

#include "absl/strings/numbers.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_format.h"
#include "pipeline/log/log_keys.h"
#include "pipeline/log/segment/crc32c.h"
#include "pipeline/storage/key_encoding.h"

namespace riskflow::log {

using storage::PutFixed64;
using storage::GetFixed64;
namespace {

constexpr char kMagic[] = "RFIDS001";
constexpr size_t kHeader = 8 + 3 * 8;
constexpr size_t kEntry = 24;

}  // namespace

std::string IdChunkFileName(uint64_t chunk_id) {
  return absl::StrFormat("%020u.ids", chunk_id);
}

std::optional<uint64_t> ParseIdChunkFileName(const std::string& name) {
  if (name.size() != 24 || name.substr(20) != ".ids") return std::nullopt;
  uint64_t id = 0;
  if (!absl::SimpleAtoi(name.substr(0, 20), &id)) return std::nullopt;
  return id;
}

absl::Status WriteIdChunkFile(const std::string& path, uint64_t first,
                              uint64_t chunk_events, const IdChunkRecord* data,
                              size_t count) {
  // Streamed through one small buffer, CRC extended as it goes: a chunk is
  // up to 24 MB (6 MB at the default horizon), and a string that size was
  // fresh memory — page faults — on every write.
  constexpr size_t kBuffer = size_t{1} << 16;
  std::string bytes;
  bytes.reserve(kBuffer + kEntry);
  uint32_t crc = 0;
  const std::string tmp = path + ".tmp";
  std::ofstream out(tmp, std::ios::binary | std::ios::trunc);
  auto flush = [&] {
    crc = segment::Crc32cExtend(crc, bytes.data(), bytes.size());
    out.write(bytes.data(), static_cast<std::streamsize>(bytes.size()));
    bytes.clear();
  };
  bytes.append(kMagic, 8);
  PutFixed64(&bytes, first);
  PutFixed64(&bytes, count);
  PutFixed64(&bytes, chunk_events);
  for (size_t i = 0; i < count; ++i) {
    PutFixed64(&bytes, data[i].fp.high);
    PutFixed64(&bytes, data[i].fp.low);
    PutFixed64(&bytes, data[i].content_hash);
    if (bytes.size() >= kBuffer) flush();
  }
  flush();
  for (int i = 0; i < 4; ++i) bytes.push_back(static_cast<char>(crc >> (8 * i)));
  out.write(bytes.data(), static_cast<std::streamsize>(bytes.size()));
  out.close();
  if (!out) {
    return absl::UnavailableError(
        absl::StrCat("writing idempotency checkpoint ", tmp, " failed"));
  }
  if (std::rename(tmp.c_str(), path.c_str()) != 0) {
    return absl::UnavailableError(
        absl::StrCat("renaming ", tmp, " to ", path, " failed"));
  }
  return absl::OkStatus();
}

absl::StatusOr<IdChunkFile> ReadIdChunkFile(const std::string& path) {
  std::ifstream in(path, std::ios::binary);
  if (!in) return absl::NotFoundError(absl::StrCat("cannot open ", path));
  std::string bytes((std::istreambuf_iterator<char>(in)),
                    std::istreambuf_iterator<char>());
  auto bad = [&path](const std::string& why) {
    return absl::DataLossError(
        absl::StrCat("idempotency checkpoint ", path, ": ", why));
  };
  if (bytes.size() < kHeader + 4 || bytes.compare(0, 8, kMagic) != 0) {
    return bad("not a chunk file (short or wrong magic)");
  }
  std::string_view view(bytes);
  IdChunkFile file;
  file.first = GetFixed64(view.substr(8));
  const uint64_t count = GetFixed64(view.substr(16));
  file.chunk_events = GetFixed64(view.substr(24));
  if (count > (bytes.size() - kHeader - 4) / kEntry ||
      bytes.size() != kHeader + count * kEntry + 4) {
    return bad(absl::StrCat("size ", bytes.size(), " does not match ", count,
                            " entries"));
  }
  const size_t body = bytes.size() - 4;
  uint32_t stored = 0;
  for (int i = 3; i >= 0; --i) {
    stored = (stored << 8) | static_cast<unsigned char>(bytes[body + i]);
  }
  if (segment::Crc32c(view.substr(0, body)) != stored) {
    return bad("CRC32C mismatch");
  }
  file.entries.resize(count);
  for (uint64_t i = 0; i < count; ++i) {
    std::string_view e = view.substr(kHeader + i * kEntry);
    file.entries[i].fp.high = GetFixed64(e);
    file.entries[i].fp.low = GetFixed64(e.substr(8));
    file.entries[i].content_hash = GetFixed64(e.substr(16));
  }
  return file;
}

}  // namespace riskflow::log
