#include "pipeline/state/entity_prefix.h"

#include <string_view>

#include "pipeline/state/key_codec.h"

namespace riskflow::state {
namespace {

class EntityPrefixExtractor : public rocksdb::SliceTransform {
 public:
  const char* Name() const override { return "riskflow.EntityPrefix"; }

  rocksdb::Slice Transform(const rocksdb::Slice& key) const override {
    return rocksdb::Slice(key.data(), PrefixLength(key));
  }

  bool InDomain(const rocksdb::Slice& key) const override {
    return PrefixLength(key) > 0;
  }

 private:
  // 0 when the key is not a well-formed state key.
  static size_t PrefixLength(const rocksdb::Slice& key) {
    DecodedStateKey decoded;
    if (!DecodeStateKey(std::string_view(key.data(), key.size()), &decoded)) {
      return 0;
    }
    return kStateIdBytes + kEntityLenBytes + decoded.entity.size();
  }
};

}  // namespace

const rocksdb::SliceTransform* NewEntityPrefixExtractor() {
  return new EntityPrefixExtractor();
}

}  // namespace riskflow::state
