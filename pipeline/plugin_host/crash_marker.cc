#include "pipeline/plugin_host/crash_marker.h"

#include <dirent.h>
#include <fcntl.h>
#include <signal.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include <algorithm>
#include <atomic>
#include <cerrno>
#include <cstdlib>
#include <cstring>

#include "absl/strings/str_cat.h"
#include "absl/strings/match.h"

namespace riskflow::plugin_host {
namespace {

constexpr uint64_t kMagic = 0x314853415243'4652ULL;  // "RFCRASH1"
constexpr size_t kFileBytes = 4096;
constexpr size_t kMaxName = 256;
// Names registered once (NameId) so a call writes a 4-byte id instead of
// copying the name: the copy was most of the marker's cost per call.
constexpr size_t kTableNames = 40;
constexpr size_t kTableNameBytes = 64;
constexpr size_t kAltStackBytes = 64 << 10;
constexpr int kFatalSignals[] = {SIGSEGV, SIGBUS, SIGFPE, SIGILL, SIGABRT};

}  // namespace

// The mapped layout. Written by one thread with relaxed atomic stores (plain
// moves on x86); `generation` is odd while BeginCall is writing, so a reader
// (the watchdog, or the next start after a crash of another thread right
// then) can tell a torn record.
struct CrashMarker::Record {
  uint64_t magic;
  uint64_t generation;
  uint64_t sequence;
  int64_t budget_us;
  int64_t start_ns;
  int32_t crash_signal;
  int32_t hung;
  uint32_t name_len;
  // Index into `table`, or kInlineName: the name is in `name`.
  uint32_t name_id;
  char name[kMaxName];
  uint32_t table_count;
  char table[kTableNames][kTableNameBytes];  // NUL-terminated
};
static_assert(sizeof(CrashMarker::Record) <= kFileBytes);

namespace {

// The marker of the shard thread running now, for the signal handler.
thread_local CrashMarker::Record* t_record = nullptr;
struct sigaction g_previous[NSIG];
std::atomic<bool> g_installed{false};

template <typename T>
void Store(T* field, T value) {
  __atomic_store_n(field, value, __ATOMIC_RELAXED);
}
template <typename T>
T Load(const T* field) {
  return __atomic_load_n(field, __ATOMIC_RELAXED);
}

// Async-signal-safe decimal formatting.
size_t FormatUint(uint64_t v, char* out) {
  char tmp[24];
  size_t n = 0;
  do {
    tmp[n++] = static_cast<char>('0' + v % 10);
    v /= 10;
  } while (v != 0);
  for (size_t i = 0; i < n; ++i) out[i] = tmp[n - 1 - i];
  return n;
}

size_t Append(char* buf, size_t at, size_t cap, const char* s, size_t len) {
  const size_t n = std::min(len, cap - at);
  std::memcpy(buf + at, s, n);
  return at + n;
}

std::string NameOf(const CrashMarker::Record& r) {
  const uint32_t id = Load(&r.name_id);
  if (id < kTableNames && id < Load(&r.table_count)) {
    return std::string(r.table[id], strnlen(r.table[id], kTableNameBytes));
  }
  return std::string(r.name, std::min<size_t>(Load(&r.name_len), kMaxName));
}

void OnFatalSignal(int sig, siginfo_t*, void*) {
  CrashMarker::Record* r = t_record;
  if (r != nullptr && Load(&r->start_ns) != 0) {
    Store(&r->crash_signal, static_cast<int32_t>(sig));
    char line[512];
    size_t n = 0;
    const char* a = "riskflowd: detector '";
    n = Append(line, n, sizeof(line), a, std::strlen(a));
    const uint32_t id = Load(&r->name_id);
    if (id < kTableNames) {
      n = Append(line, n, sizeof(line), r->table[id],
                 strnlen(r->table[id], kTableNameBytes));
    } else {
      n = Append(line, n, sizeof(line), r->name,
                 std::min<size_t>(Load(&r->name_len), kMaxName));
    }
    const char* b = "' crashed the daemon (signal ";
    n = Append(line, n, sizeof(line), b, std::strlen(b));
    char num[24];
    n = Append(line, n, sizeof(line), num, FormatUint(sig, num));
    const char* c = ") on log sequence ";
    n = Append(line, n, sizeof(line), c, std::strlen(c));
    n = Append(line, n, sizeof(line), num,
               FormatUint(Load(&r->sequence), num));
    const char* d = "; the next start quarantines it\n";
    n = Append(line, n, sizeof(line), d, std::strlen(d));
    ssize_t ignored = write(STDERR_FILENO, line, n);
    (void)ignored;
  }
  // Whatever handled the signal before (normally the default: die, dump
  // core) handles it now; the signal is blocked until we return, so the
  // re-raised one is delivered right after. A hardware fault would also
  // simply recur on return.
  sigaction(sig, &g_previous[sig], nullptr);
  raise(sig);
}

}  // namespace

absl::StatusOr<std::unique_ptr<CrashMarker>> CrashMarker::Open(
    const std::string& path) {
  int fd = open(path.c_str(), O_RDWR | O_CREAT | O_CLOEXEC, 0600);
  if (fd < 0) {
    return absl::InternalError(absl::StrCat(
        "crash marker ", path, ": cannot open: ", std::strerror(errno)));
  }
  if (ftruncate(fd, kFileBytes) != 0) {
    const int err = errno;
    close(fd);
    return absl::InternalError(absl::StrCat(
        "crash marker ", path, ": cannot size: ", std::strerror(err)));
  }
  void* map =
      mmap(nullptr, kFileBytes, PROT_READ | PROT_WRITE, MAP_SHARED, fd, 0);
  if (map == MAP_FAILED) {
    const int err = errno;
    close(fd);
    return absl::InternalError(absl::StrCat(
        "crash marker ", path, ": cannot map: ", std::strerror(err)));
  }
  std::unique_ptr<CrashMarker> marker(new CrashMarker());
  marker->path_ = path;
  marker->fd_ = fd;
  marker->record_ = static_cast<Record*>(map);
  std::memset(marker->record_, 0, sizeof(Record));
  Store(&marker->record_->magic, kMagic);
  return marker;
}

CrashMarker::~CrashMarker() {
  if (record_ != nullptr) munmap(record_, kFileBytes);
  if (fd_ >= 0) close(fd_);
  std::free(alt_stack_);
}

int64_t CrashMarker::MonotonicNowNs() {
  timespec ts;
  clock_gettime(CLOCK_MONOTONIC, &ts);
  return static_cast<int64_t>(ts.tv_sec) * 1000000000 + ts.tv_nsec;
}

uint32_t CrashMarker::NameId(std::string_view detector) {
  absl::MutexLock lock(&table_mu_);
  Record* r = record_;
  const uint32_t count = Load(&r->table_count);
  for (uint32_t i = 0; i < count; ++i) {
    if (detector == std::string_view(r->table[i])) return i;
  }
  if (count >= kTableNames || detector.size() >= kTableNameBytes) {
    return kInlineName;
  }
  std::memcpy(r->table[count], detector.data(), detector.size());
  r->table[count][detector.size()] = '\0';
  __atomic_store_n(&r->table_count, count + 1, __ATOMIC_RELEASE);
  return count;
}

void CrashMarker::BeginCall(uint32_t name_id, std::string_view detector,
                            uint64_t sequence, int64_t budget_us,
                            int64_t now_ns) {
  Record* r = record_;
  const uint64_t gen = Load(&r->generation);
  Store(&r->generation, gen + 1);
  std::atomic_thread_fence(std::memory_order_release);
  if (name_id < kTableNames) {
    Store(&r->name_id, name_id);
  } else {
    const size_t len = std::min(detector.size(), kMaxName);
    std::memcpy(r->name, detector.data(), len);
    Store(&r->name_len, static_cast<uint32_t>(len));
    Store(&r->name_id, kInlineName);
  }
  Store(&r->sequence, sequence);
  Store(&r->budget_us, budget_us);
  Store(&r->hung, int32_t{0});
  Store(&r->start_ns, now_ns == 0 ? 1 : now_ns);
  std::atomic_thread_fence(std::memory_order_release);
  Store(&r->generation, gen + 2);
}

void CrashMarker::EndCall() { Store(&record_->start_ns, int64_t{0}); }

void CrashMarker::MarkHung() { Store(&record_->hung, int32_t{1}); }

void CrashMarker::AttachThread() {
  t_record = record_;
  if (alt_stack_ == nullptr) alt_stack_ = std::malloc(kAltStackBytes);
  if (alt_stack_ != nullptr) {
    stack_t ss;
    std::memset(&ss, 0, sizeof(ss));
    ss.ss_sp = alt_stack_;
    ss.ss_size = kAltStackBytes;
    sigaltstack(&ss, nullptr);
  }
}

void CrashMarker::DetachThread() {
  t_record = nullptr;
  stack_t ss;
  std::memset(&ss, 0, sizeof(ss));
  ss.ss_flags = SS_DISABLE;
  sigaltstack(&ss, nullptr);
}

MarkerState CrashMarker::Read() const {
  MarkerState s;
  s.file = path_;
  const Record* r = record_;
  for (int attempt = 0; attempt < 1000; ++attempt) {
    const uint64_t g1 = __atomic_load_n(&r->generation, __ATOMIC_ACQUIRE);
    if (g1 % 2 != 0) continue;
    s.detector = NameOf(*r);
    s.sequence = Load(&r->sequence);
    s.budget_us = Load(&r->budget_us);
    s.start_ns = Load(&r->start_ns);
    s.crash_signal = Load(&r->crash_signal);
    s.hung = Load(&r->hung) != 0;
    std::atomic_thread_fence(std::memory_order_acquire);
    if (__atomic_load_n(&r->generation, __ATOMIC_RELAXED) == g1) return s;
  }
  s.start_ns = 0;  // never consistent: report idle rather than garbage
  return s;
}

std::optional<MarkerState> CrashMarker::ReadFile(const std::string& path) {
  int fd = open(path.c_str(), O_RDONLY | O_CLOEXEC);
  if (fd < 0) return std::nullopt;
  Record r;
  std::memset(&r, 0, sizeof(r));
  const ssize_t n = pread(fd, &r, sizeof(r), 0);
  close(fd);
  if (n != static_cast<ssize_t>(sizeof(r)) || r.magic != kMagic ||
      r.generation % 2 != 0 || r.start_ns == 0) {
    return std::nullopt;
  }
  MarkerState s;
  s.file = path;
  s.detector = NameOf(r);
  s.sequence = r.sequence;
  s.budget_us = r.budget_us;
  s.start_ns = r.start_ns;
  s.crash_signal = r.crash_signal;
  s.hung = r.hung != 0;
  return s;
}

void CrashMarker::InstallSignalHandlers() {
  if (g_installed.exchange(true)) return;
  for (int sig : kFatalSignals) {
    struct sigaction sa;
    std::memset(&sa, 0, sizeof(sa));
    sa.sa_sigaction = &OnFatalSignal;
    sa.sa_flags = SA_SIGINFO | SA_ONSTACK;
    sigemptyset(&sa.sa_mask);
    sigaction(sig, &sa, &g_previous[sig]);
  }
}

std::vector<std::string> MarkerFiles(const std::string& dir,
                                     const std::string& prefix) {
  std::vector<std::string> files;
  DIR* d = opendir(dir.c_str());
  if (d == nullptr) return files;
  while (dirent* e = readdir(d)) {
    const std::string name = e->d_name;
    if (absl::StartsWith(name, prefix + "-") &&
        absl::EndsWith(name, ".marker")) {
      files.push_back(dir + "/" + name);
    }
  }
  closedir(d);
  std::sort(files.begin(), files.end());
  return files;
}

}  // namespace riskflow::plugin_host
