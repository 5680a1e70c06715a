// What crash containment costs per detector call, and what the
// out-of-process alternative would cost (docs/plugin-faults.md):
//   1. an indirect call through a function pointer (what the host does now)
//   2. the same plus CrashMarker::BeginCall / EndCall (what this adds)
//   3. a round trip of an event-sized message to a detector process over a
//      socketpair, and over a pair of pipes (the cheapest form of
//      out-of-process plugins: one write + one blocking read per event and
//      detector, before any serialization of the event or of the state
//      calls a real detector makes).
// bazel run -c opt //pipeline/plugin_host:crash_marker_bench
#include <sys/socket.h>
#include <sys/wait.h>
#include <unistd.h>

#include <algorithm>
#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <string>

#include "pipeline/plugin_host/crash_marker.h"

namespace {

using Clock = std::chrono::steady_clock;

// A stand-in detector: opaque to the optimizer through the pointer.
__attribute__((noinline)) int Detector(void* state, uint64_t sequence) {
  auto* counter = static_cast<uint64_t*>(state);
  *counter += sequence & 1;
  return 0;
}
int (*volatile g_detector)(void*, uint64_t) = &Detector;

double NsPer(Clock::time_point start, uint64_t n) {
  return std::chrono::duration<double, std::nano>(Clock::now() - start)
             .count() /
         static_cast<double>(n);
}

// Echoes fixed-size messages from `in` to `out` until EOF.
void Echo(int in, int out, size_t bytes) {
  std::string buf(bytes, '\0');
  while (true) {
    size_t got = 0;
    while (got < bytes) {
      ssize_t r = read(in, buf.data() + got, bytes - got);
      if (r <= 0) _exit(0);
      got += static_cast<size_t>(r);
    }
    if (write(out, buf.data(), bytes) != static_cast<ssize_t>(bytes)) _exit(1);
  }
}

double RoundTripNs(int to_child, int from_child, uint64_t n, size_t bytes) {
  std::string buf(bytes, 'e');
  const auto start = Clock::now();
  for (uint64_t i = 0; i < n; ++i) {
    if (write(to_child, buf.data(), bytes) != static_cast<ssize_t>(bytes)) {
      std::abort();
    }
    size_t got = 0;
    while (got < bytes) {
      ssize_t r = read(from_child, buf.data() + got, bytes - got);
      if (r <= 0) std::abort();
      got += static_cast<size_t>(r);
    }
  }
  return NsPer(start, n);
}

}  // namespace

int main(int argc, char** argv) {
  const uint64_t calls = argc > 1 ? std::strtoull(argv[1], nullptr, 10)
                                  : 20000000;
  const uint64_t trips = std::max<uint64_t>(calls / 200, 10000);
  // Roughly a decoded event view with a few attributes.
  constexpr size_t kEventBytes = 256;

  uint64_t counter = 0;
  auto start = Clock::now();
  for (uint64_t i = 0; i < calls; ++i) g_detector(&counter, i);
  const double plain = NsPer(start, calls);

  const std::string path = std::string(std::getenv("TMPDIR") != nullptr
                                           ? std::getenv("TMPDIR")
                                           : "/tmp") +
                           "/crash_marker_bench.marker";
  auto marker = riskflow::plugin_host::CrashMarker::Open(path);
  if (!marker.ok()) {
    std::fprintf(stderr, "%s\n", std::string(marker.status().message()).c_str());
    return 1;
  }
  riskflow::plugin_host::CrashMarker* m = marker->get();
  m->AttachThread();
  const std::string name = "velocity_burst";
  const uint32_t id = m->NameId(name);
  // The machine is shared: alternate the two loops and keep each one's
  // best of several rounds, so load changes between them cancel out.
  double marked = 1e18, clocked = 1e18, inlined = 1e18;
  for (int round = 0; round < 7; ++round) {
    start = Clock::now();
    for (uint64_t i = 0; i < calls; ++i) {
      // The host reads the clock around each call anyway (budget
      // accounting).
      const int64_t now =
          std::chrono::duration_cast<std::chrono::nanoseconds>(
              Clock::now().time_since_epoch())
              .count();
      m->BeginCall(id, name, i, 5000, now);
      g_detector(&counter, i);
      m->EndCall();
    }
    marked = std::min(marked, NsPer(start, calls));
    start = Clock::now();
    for (uint64_t i = 0; i < calls; ++i) {
      const int64_t now =
          std::chrono::duration_cast<std::chrono::nanoseconds>(
              Clock::now().time_since_epoch())
              .count();
      m->BeginCall(name, i, 5000, now);  // copies the name every call
      g_detector(&counter, i);
      m->EndCall();
    }
    inlined = std::min(inlined, NsPer(start, calls));
    start = Clock::now();
    for (uint64_t i = 0; i < calls; ++i) {
      const int64_t now =
          std::chrono::duration_cast<std::chrono::nanoseconds>(
              Clock::now().time_since_epoch())
              .count();
      counter += static_cast<uint64_t>(now) & 0;
      g_detector(&counter, i);
    }
    clocked = std::min(clocked, NsPer(start, calls));
  }
  m->DetachThread();
  unlink(path.c_str());

  int sv[2];
  if (socketpair(AF_UNIX, SOCK_STREAM, 0, sv) != 0) return 1;
  pid_t child = fork();
  if (child == 0) {
    close(sv[0]);
    Echo(sv[1], sv[1], kEventBytes);
  }
  close(sv[1]);
  const double socket_rt = RoundTripNs(sv[0], sv[0], trips, kEventBytes);
  close(sv[0]);
  waitpid(child, nullptr, 0);

  int down[2], up[2];
  if (pipe(down) != 0 || pipe(up) != 0) return 1;
  child = fork();
  if (child == 0) {
    close(down[1]);
    close(up[0]);
    Echo(down[0], up[1], kEventBytes);
  }
  close(down[0]);
  close(up[1]);
  const double pipe_rt = RoundTripNs(down[1], up[0], trips, kEventBytes);
  close(down[1]);
  close(up[0]);
  waitpid(child, nullptr, 0);

  std::printf("in-process call                    %8.1f ns\n", plain);
  std::printf("  + clock read (host does it now)  %8.1f ns\n", clocked);
  std::printf("  + crash marker Begin/End         %8.1f ns  (+%.1f ns)\n",
              marked, marked - clocked);
  std::printf("  (copying the name instead of an id %8.1f ns  (+%.1f ns))\n",
              inlined, inlined - clocked);
  std::printf("socketpair round trip, %zu B      %8.1f ns  (%.0fx the call)\n",
              kEventBytes, socket_rt, socket_rt / clocked);
  std::printf("pipe round trip, %zu B            %8.1f ns  (%.0fx the call)\n",
              kEventBytes, pipe_rt, pipe_rt / clocked);
  std::printf("(checksum %llu)\n", static_cast<unsigned long long>(counter));
  return 0;
}
