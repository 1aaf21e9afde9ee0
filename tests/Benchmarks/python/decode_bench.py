"""Baseline for the decode benchmark: xmlrpc.client.loads on the bytes XenHa decodes.

Usage: python3 decode_bench.py FILE RUNS
Prints one JSON object: the median milliseconds of RUNS loads() calls and the VM count.
"""
import json
import statistics
import sys
import time
import xmlrpc.client


def main():
    path, runs = sys.argv[1], int(sys.argv[2])
    with open(path, "rb") as f:
        data = f.read()
    times = []
    count = 0
    for _ in range(runs):
        start = time.perf_counter()
        params, _ = xmlrpc.client.loads(data)
        times.append((time.perf_counter() - start) * 1000)
        count = len(params[0]["Value"])
    print(json.dumps({"median_ms": statistics.median(times), "count": count}))


if __name__ == "__main__":
    main()
