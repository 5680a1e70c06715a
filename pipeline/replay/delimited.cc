#include "pipeline/replay/delimited.h"

#include "google/protobuf/io/coded_stream.h"
#include "google/protobuf/io/zero_copy_stream_impl_lite.h"

namespace riskflow::replay {

void AppendDelimited(const google::protobuf::MessageLite& message,
                     std::string* out) {
  using google::protobuf::io::CodedOutputStream;
  const size_t size = message.ByteSizeLong();
  const size_t header = CodedOutputStream::VarintSize32(size);
  const size_t old_size = out->size();
  // Sized exactly up front: a StringOutputStream over `out` would grow it
  // to its whole capacity (zero-filled) for every record.
  out->resize(old_size + header + size);
  uint8_t* p = reinterpret_cast<uint8_t*>(&(*out)[old_size]);
  p = CodedOutputStream::WriteVarint32ToArray(static_cast<uint32_t>(size), p);
  google::protobuf::io::ArrayOutputStream array(p, static_cast<int>(size));
  CodedOutputStream coded(&array);
  coded.SetSerializationDeterministic(true);
  message.SerializeWithCachedSizes(&coded);
}

DelimitedRead ReadDelimited(std::streambuf* in, std::string* bytes,
                            uint64_t* consumed) {
  using Traits = std::streambuf::traits_type;
  uint64_t length = 0;
  uint64_t header = 0;
  for (int shift = 0;; shift += 7) {
    const int c = in->sbumpc();
    if (c == Traits::eof()) {
      return header == 0 ? DelimitedRead::kEnd : DelimitedRead::kTruncated;
    }
    ++header;
    if (shift >= 64) return DelimitedRead::kTooLarge;
    length |= static_cast<uint64_t>(c & 0x7f) << shift;
    if ((c & 0x80) == 0) break;
  }
  if (consumed != nullptr) *consumed += header;
  if (length > kMaxDelimitedBytes) return DelimitedRead::kTooLarge;
  bytes->resize(length);
  const std::streamsize got =
      length == 0 ? 0 : in->sgetn(bytes->data(), static_cast<std::streamsize>(length));
  if (consumed != nullptr) *consumed += static_cast<uint64_t>(got);
  if (static_cast<uint64_t>(got) != length) return DelimitedRead::kTruncated;
  return DelimitedRead::kRecord;
}

}  // namespace riskflow::replay
