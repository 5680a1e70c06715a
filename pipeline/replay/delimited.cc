#include "pipeline/replay/delimited.h"

#include "google/protobuf/io/coded_stream.h"
#include "google/protobuf/io/zero_copy_stream_impl_lite.h"

namespace riskflow::replay {

void AppendDelimited(const google::protobuf::MessageLite& message,
                     std::string* out) {
  google::protobuf::io::StringOutputStream stream(out);
  google::protobuf::io::CodedOutputStream coded(&stream);
  coded.SetSerializationDeterministic(true);
  coded.WriteVarint32(static_cast<uint32_t>(message.ByteSizeLong()));
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
