"""The host probe of the load test: start /bin/true every 100 ms beside the load, until stdin closes; print the
latency of each start (ms, spawn to exit) and MemAvailable (MiB) at each, as JSON. Stdlib only, no project import:
it must cost the same whatever the project loads."""

import json
import select
import subprocess
import sys
import time

PERIOD_S = 0.1


def mem_available_mb() -> int:
    with open("/proc/meminfo") as fh:
        for line in fh:
            if line.startswith("MemAvailable:"):
                return int(line.split()[1]) // 1024
    return 0


def main() -> None:
    latencies: list[float] = []
    memory: list[int] = []
    next_at = time.monotonic()
    while True:
        ready, _, _ = select.select([sys.stdin], [], [], max(0.0, next_at - time.monotonic()))
        if ready and not sys.stdin.buffer.read1(1):
            break
        next_at += PERIOD_S
        start = time.perf_counter()
        subprocess.run(["/bin/true"], stdin=subprocess.DEVNULL)
        latencies.append(1000 * (time.perf_counter() - start))
        memory.append(mem_available_mb())
    print(json.dumps({"latency_ms": latencies, "mem_available_mb": memory}))


if __name__ == "__main__":
    main()
