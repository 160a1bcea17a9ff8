#!/usr/bin/python3
# The python workload: worker threads hash blocks of data, subprocesses
# (python and sh) compute parts of the result, the result is written below
# /work and its checksum printed. The log file stays open until the process
# ends (os._exit), as a real application's would.
import hashlib
import os
import subprocess
import sys
import threading
import time

os.makedirs("/work/out", exist_ok=True)
log = open("/work/app.log", "w")
log.write("job starting\n")
log.flush()

results = {}
lock = threading.Lock()


def worker(n):
    h = hashlib.sha256()
    for i in range(2000):
        h.update(("%d:%d\n" % (n, i)).encode())
    with lock:
        results[n] = h.hexdigest()


threads = [threading.Thread(target=worker, args=(n,)) for n in range(8)]
for t in threads:
    t.start()
for t in threads:
    t.join()

child = subprocess.run([sys.executable, "-c", "print(sum(i * i for i in range(10000)))"],
                       capture_output=True, text=True, check=True).stdout.strip()
shell = subprocess.run(["sh", "-c", "echo $((6 * 7))"], capture_output=True, text=True, check=True).stdout.strip()

with open("/work/out/result.txt", "w") as f:
    for n in sorted(results):
        f.write("%d %s\n" % (n, results[n]))
    f.write("child %s\nshell %s\n" % (child, shell))
with open("/work/out/result.txt", "rb") as f:
    digest = hashlib.sha256(f.read()).hexdigest()
log.write("job done\n")
log.flush()
print("result-sha256=%s" % digest, flush=True)
print("JOB-OK", flush=True)
time.sleep(float(os.environ.get("WL_HOLD", "0")))
os._exit(0)
