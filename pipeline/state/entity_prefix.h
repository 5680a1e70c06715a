#ifndef RISKFLOW_PIPELINE_STATE_ENTITY_PREFIX_H_
#define RISKFLOW_PIPELINE_STATE_ENTITY_PREFIX_H_

#include "rocksdb/slice_transform.h"

namespace riskflow::state {

// Prefix extractor of the state column family: id | len | entity, i.e. all
// keys of one (state, entity). With it, RocksDB keeps prefix bloom filters
// (memtable and SST), so the cache miss for an entity that has no state yet
// — the common case for a new account — is answered without reading data
// blocks. Iterators over more than one entity must set total_order_seek.
const rocksdb::SliceTransform* NewEntityPrefixExtractor();

}  // namespace riskflow::state

#endif  // RISKFLOW_PIPELINE_STATE_ENTITY_PREFIX_H_
