#!/usr/bin/env python3
# Does a second fdatasync on the same file overlap one in flight (ext4)?
# Writer A: 9 KB append + fdatasync in a loop (like the log at ~116K ev/s).
# Prober B every 3 ms: 300 B append, then either
#   serial: waits until A's current sync is done, then syncs (today's log), or
#   concurrent: fdatasync at once from its own thread.
# Prints B's latency (append -> durable) percentiles for both modes.
#
#   python3 tools/bench/fsync_overlap.py serial concurrent serial concurrent
#
# (docs/evaluate-lane.md, "The fsync tail": the evidence for a second,
# concurrent sync in the log writer.) Writes a 256 MB file in /tmp.
import os, threading, time, sys
path = "/tmp/fsync_overlap.dat"
def run(mode, seconds=8):
    fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o644)
    os.ftruncate(fd, 256 << 20)  # preallocate-ish: zero-fill like the preparer
    z = b"\0" * (1 << 20)
    for off in range(0, 64 << 20, 1 << 20):
        os.pwrite(fd, z, off)
    os.fdatasync(fd)
    pos = [0]
    lock = threading.Lock()
    sync_lock = threading.Lock()
    stop = [False]
    def writer():
        buf = b"x" * 9000
        while not stop[0]:
            with lock:
                os.pwrite(fd, buf, pos[0]); pos[0] += len(buf)
            with sync_lock:
                os.fdatasync(fd)
    t = threading.Thread(target=writer); t.start()
    lat = []
    end = time.time() + seconds
    small = b"e" * 300
    while time.time() < end:
        t0 = time.perf_counter()
        with lock:
            os.pwrite(fd, small, pos[0]); pos[0] += len(small)
        if mode == "serial":
            with sync_lock:
                os.fdatasync(fd)
        else:
            os.fdatasync(fd)
        lat.append((time.perf_counter() - t0) * 1e6)
        time.sleep(0.003)
    stop[0] = True; t.join(); os.close(fd); os.unlink(path)
    lat.sort()
    q = lambda p: lat[int(p * (len(lat) - 1))]
    print(f"{mode:10s} n={len(lat)} p50 {q(.5):.0f} p90 {q(.9):.0f} p99 {q(.99):.0f} max {lat[-1]:.0f} us")
for m in sys.argv[1:]:
    run(m)
