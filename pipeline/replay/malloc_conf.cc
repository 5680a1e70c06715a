// jemalloc options for the riskflow CLI (the replay), read by jemalloc at
// startup; MALLOC_CONF in the environment still overrides them.
//
// oversize_threshold:0 — jemalloc (5.x) serves allocations of 8 MiB and
// more from a dedicated arena that returns their pages to the kernel as
// soon as they are freed. A replay's event log hands the engine one vector
// of every event queued (up to 64K events, ~16 MB) per group, so each group
// touched fresh pages again, and first touches of fresh memory are very
// expensive on the VMs we measure on. With the threshold off those blocks
// are reused like any other (freed pages decay over jemalloc's default
// 10 s): minor page faults of a 3M-event replay 501K -> 226K, system CPU
// 2.1 s -> 1.0 s (docs/benchmarks.md, "Replay, issue 9 sixth session").
extern "C" {
// NOLINTNEXTLINE: the name and type are jemalloc's.
const char* malloc_conf = "oversize_threshold:0";
}
