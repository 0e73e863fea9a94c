"""Writes a corrupted copy of a binary: patch-binary.py IN OUT truncate N
(keep the first N bytes) or patch-binary.py IN OUT set OFFSET HEXBYTES
(overwrite bytes from OFFSET) or append HEXBYTES."""
import sys

data = bytearray(open(sys.argv[1], "rb").read())
if sys.argv[3] == "truncate":
    data = data[:int(sys.argv[4])]
elif sys.argv[3] == "set":
    offset, patch = int(sys.argv[4]), bytes.fromhex(sys.argv[5])
    data[offset:offset + len(patch)] = patch
elif sys.argv[3] == "append":
    data += bytes.fromhex(sys.argv[4])
open(sys.argv[2], "wb").write(data)
