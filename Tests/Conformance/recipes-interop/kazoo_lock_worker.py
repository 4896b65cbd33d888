#!/usr/bin/env python3
"""One side of the lock interoperability test (Tests/CorralRecipesTests/InteropTests.swift).

kazoo's Lock on LOCK_PATH, taking turns with Swift clients that use CorralRecipes'
DistributedLock (Curator InterProcessMutex layout: _c_<uuid>-lock-<seq>) on the same path.
kazoo only counts nodes matching its patterns as contenders, so it is given Curator's
"-lock-" with extra_lock_patterns; the Swift lock recognises kazoo's "__lock__" nodes itself.

In each turn: create the ephemeral HOLDER_PATH (NodeExists means someone else is inside:
an overlap), read-modify-write COUNTER_PATH without a version check, delete HOLDER_PATH.

Usage: kazoo_lock_worker.py HOSTPORT LOCK_PATH COUNTER_PATH HOLDER_PATH READY_PATH ROUNDS
Prints one JSON line: {"rounds": N, "overlaps": N}.
"""
import json
import sys
import time

from kazoo.client import KazooClient
from kazoo.exceptions import NodeExistsError


def take_turn(zk, counter_path, holder_path):
    """Returns 1 if someone else was inside the critical section, else 0."""
    try:
        zk.create(holder_path, b"kazoo", ephemeral=True)
        created = True
    except NodeExistsError:
        created = False
    data, _ = zk.get(counter_path)
    time.sleep(0.002)
    zk.set(counter_path, str(int(data or b"0") + 1).encode())
    if created:
        zk.delete(holder_path)
    return 0 if created else 1


def main():
    hosts, lock_path, counter_path, holder_path, ready_path, rounds = sys.argv[1:7]
    zk = KazooClient(hosts=hosts, timeout=10)
    zk.start(timeout=15)
    try:
        lock = zk.Lock(lock_path, "kazoo", extra_lock_patterns=["-lock-"])
        zk.create(ready_path, b"", ephemeral=True, makepath=True)
        overlaps = 0
        for _ in range(int(rounds)):
            with lock:
                overlaps += take_turn(zk, counter_path, holder_path)
        print(json.dumps({"rounds": int(rounds), "overlaps": overlaps}), flush=True)
    finally:
        zk.stop()
        zk.close()


if __name__ == "__main__":
    main()
