#include "fuzz/fuzz_util.h"

#include <stdlib.h>
#include <unistd.h>

#include <cstdio>
#include <fstream>

#include "google/protobuf/io/coded_stream.h"
#include "google/protobuf/io/zero_copy_stream_impl_lite.h"

namespace riskflow::fuzz {

namespace {

std::string TempRoot() {
  const char* dir = getenv("TEST_TMPDIR");
  if (dir == nullptr || *dir == '\0') dir = getenv("TMPDIR");
  if (dir == nullptr || *dir == '\0') dir = "/tmp";
  return dir;
}

}  // namespace

void Fail(const char* file, int line, const std::string& what) {
  std::fprintf(stderr, "FUZZ_CHECK failed at %s:%d: %s\n", file, line,
               what.c_str());
  std::fflush(stderr);
  abort();
}

std::string DeterministicBytes(const google::protobuf::MessageLite& message) {
  std::string out;
  {
    google::protobuf::io::StringOutputStream stream(&out);
    google::protobuf::io::CodedOutputStream coded(&stream);
    coded.SetSerializationDeterministic(true);
    message.SerializeToCodedStream(&coded);
  }
  return out;
}

std::string WriteScratchFile(std::string_view data, std::string_view suffix) {
  const std::string path = TempRoot() + "/riskflow_fuzz_" +
                           std::to_string(getpid()) + std::string(suffix);
  std::ofstream out(path, std::ios::binary | std::ios::trunc);
  out.write(data.data(), static_cast<std::streamsize>(data.size()));
  out.close();
  FUZZ_CHECK(out.good(), "cannot write scratch file " + path);
  return path;
}

std::string MakeScratchDir(std::string_view tag) {
  std::string tmpl = TempRoot() + "/riskflow_fuzz_" + std::string(tag) +
                     "_XXXXXX";
  FUZZ_CHECK(mkdtemp(tmpl.data()) != nullptr, "mkdtemp " + tmpl);
  return tmpl;
}

std::string Show(std::string_view bytes) {
  std::string out;
  for (unsigned char c : bytes.substr(0, 400)) {
    if (c >= 0x20 && c < 0x7f && c != '\\') {
      out += static_cast<char>(c);
    } else {
      char buf[8];
      std::snprintf(buf, sizeof(buf), "\\x%02x", c);
      out += buf;
    }
  }
  if (bytes.size() > 400) out += "...";
  return out;
}

}  // namespace riskflow::fuzz
