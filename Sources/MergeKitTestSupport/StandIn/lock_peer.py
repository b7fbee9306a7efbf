#!/usr/bin/env python3
"""Another process using the hub cache's blob lock the way huggingface_hub does (py-filelock's
UnixFileLock: fcntl.flock on .locks/models--org--name/<etag>.lock, polled with LOCK_NB).

  lock_peer.py hold LOCK SOURCE BLOB   take the lock (waiting), print "locked", hold it (a
                                       download) until a line comes on stdin, copy SOURCE to
                                       BLOB (temp file + rename), release, print "released"
  lock_peer.py probe LOCK                        print "busy" if someone holds it, else "free"
"""
import fcntl
import os
import shutil
import sys
import time


def open_lock(path):
    os.makedirs(os.path.dirname(path), exist_ok=True)
    return os.open(path, os.O_RDWR | os.O_CREAT, 0o664)


def main():
    command, path = sys.argv[1], sys.argv[2]
    fd = open_lock(path)
    if command == "probe":
        try:
            fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
            print("free", flush=True)
        except BlockingIOError:
            print("busy", flush=True)
        return
    while True:
        try:
            fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
            break
        except BlockingIOError:
            time.sleep(0.05)
    print("locked", flush=True)
    sys.stdin.readline()
    source, blob = sys.argv[3], sys.argv[4]
    os.makedirs(os.path.dirname(blob), exist_ok=True)
    shutil.copyfile(source, blob + ".peer.incomplete")
    os.replace(blob + ".peer.incomplete", blob)
    fcntl.flock(fd, fcntl.LOCK_UN)
    print("released", flush=True)


if __name__ == "__main__":
    main()
