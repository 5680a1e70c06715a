// How long the stored-key filter's scan at open takes on a store of a given
// size (docs/state-memory.md, "Never-stored state is not read"): writes
// --accounts x --states (state, entity)s of --buckets keys each into a
// fresh state store, flushes and compacts it (as a store after a restart
// is), then times StoredKeyScan::Run on one thread (wall and thread CPU)
// and reports how full the filter is.
//
//   bazel build -c opt //pipeline/state:stored_key_scan_bench
//   bazel-bin/pipeline/state/stored_key_scan_bench --accounts=1000000 --states=3
#include <time.h>

#include <cstdint>
#include <cstdio>
#include <string>

#include "absl/flags/flag.h"
#include "absl/flags/parse.h"
#include "absl/strings/str_cat.h"
#include "absl/time/clock.h"
#include "pipeline/state/key_codec.h"
#include "pipeline/state/state_store.h"
#include "pipeline/state/stored_key_filter.h"
#include "pipeline/state/stored_key_scan.h"
#include "pipeline/storage/store.h"
#include "pipeline/storage/test_util.h"
#include "rocksdb/write_batch.h"

ABSL_FLAG(uint64_t, accounts, 1000000, "entities");
ABSL_FLAG(uint32_t, states, 3, "state ids per entity");
ABSL_FLAG(uint32_t, buckets, 2, "keys per (state, entity)");
ABSL_FLAG(uint64_t, filter_mb, 32, "filter size");

namespace {

double ThreadCpuSeconds() {
  timespec ts;
  clock_gettime(CLOCK_THREAD_CPUTIME_ID, &ts);
  return static_cast<double>(ts.tv_sec) + ts.tv_nsec * 1e-9;
}

}  // namespace

int main(int argc, char** argv) {
  absl::ParseCommandLine(argc, argv);
  using namespace riskflow;
  const uint64_t accounts = absl::GetFlag(FLAGS_accounts);
  const uint32_t states = absl::GetFlag(FLAGS_states);
  const uint32_t buckets = absl::GetFlag(FLAGS_buckets);
  storage::ScopedTempDir dir;
  auto opened = state::OpenStateStore(dir.path(), storage::StoreOptions());
  if (!opened.ok()) {
    std::fprintf(stderr, "%s\n", opened.status().ToString().c_str());
    return 1;
  }
  std::unique_ptr<storage::Store> store = std::move(*opened);
  rocksdb::ColumnFamilyHandle* cf = store->handle(storage::Cf::kState);
  const std::string one = state::EncodeInt64(1);
  rocksdb::WriteBatch batch;
  for (uint64_t a = 0; a < accounts; ++a) {
    const std::string entity = absl::StrCat("acct-", a);
    for (uint32_t s = 0; s < states; ++s) {
      for (uint32_t b = 0; b < buckets; ++b) {
        (void)batch.Merge(cf, state::BucketKey(1000 + s, entity, b), one);
      }
    }
    if (batch.Count() >= 100000) {
      if (!store->Write(&batch, false).ok()) return 1;
      batch.Clear();
    }
  }
  if (!store->Write(&batch, false).ok()) return 1;
  if (!store->Flush().ok() || !store->Compact(storage::Cf::kState).ok()) {
    return 1;
  }
  state::StoredKeyFilter filter(absl::GetFlag(FLAGS_filter_mb) << 20);
  const absl::Time start = absl::Now();
  const double cpu0 = ThreadCpuSeconds();
  uint64_t keys = 0;
  absl::Status s = state::StoredKeyScan::Run(store.get(), &filter, nullptr, &keys);
  const double cpu = ThreadCpuSeconds() - cpu0;
  const double wall = absl::ToDoubleSeconds(absl::Now() - start);
  if (!s.ok()) {
    std::fprintf(stderr, "%s\n", s.ToString().c_str());
    return 1;
  }
  std::printf(
      "%llu keys, %llu (state, entity)s: scan %.2f s wall, %.2f s cpu "
      "(%.0f ns cpu per key); filter %llu MiB, %.1f bits per (state, "
      "entity), %.1f%% of bits set\n",
      static_cast<unsigned long long>(keys),
      static_cast<unsigned long long>(accounts * states), wall, cpu,
      1e9 * cpu / static_cast<double>(keys),
      static_cast<unsigned long long>(filter.bytes() >> 20),
      8.0 * static_cast<double>(filter.bytes()) /
          static_cast<double>(accounts * states),
      100 * filter.ApproxFill());
  return 0;
}
