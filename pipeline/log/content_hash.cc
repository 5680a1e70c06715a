#include "pipeline/log/content_hash.h"

#include <xxhash.h>

#include "google/protobuf/io/coded_stream.h"
#include "google/protobuf/io/zero_copy_stream_impl_lite.h"
#include "pipeline/storage/key_encoding.h"

namespace riskflow::log {

using storage::DecodeSequenceKey;
using storage::GetFixed64;
using storage::PutFixed64;
using storage::SequenceKey;

uint64_t ContentHash(const riskflow::v1::Event& event) {
  std::string bytes;
  {
    google::protobuf::io::StringOutputStream raw(&bytes);
    google::protobuf::io::CodedOutputStream out(&raw);
    out.SetSerializationDeterministic(true);
    event.SerializeToCodedStream(&out);
  }
  return XXH3_64bits(bytes.data(), bytes.size());
}

std::string EncodeIdemValue(uint64_t sequence, uint64_t content_hash) {
  std::string value = SequenceKey(sequence);
  PutFixed64(&value, content_hash);
  return value;
}

bool DecodeIdemValue(std::string_view value, uint64_t* sequence,
                     bool* has_hash, uint64_t* content_hash) {
  if (value.size() == 8) {
    *has_hash = false;
    return DecodeSequenceKey(value, sequence);
  }
  if (value.size() != 16) return false;
  *has_hash = true;
  *content_hash = GetFixed64(value.substr(8));
  return DecodeSequenceKey(value.substr(0, 8), sequence);
}

}  // namespace riskflow::log
