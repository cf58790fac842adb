#!/usr/bin/env python3
"""perf-drop-compressed.py - a -z capture whose last compressed block perf never wrote.

usage: perf-drop-compressed.py IN.data OUT.data [N]

perf record -z compresses each push of a ring buffer into PERF_RECORD_COMPRESSED
records of at most one record's room, and flushes the compressor only as far as
that room: when the rest does not fit, it waits for the next push, and after the
last push it is never written.  A busy capture then ends with the inflated data
inside a record (perf script leaves that record out).  This writes IN (a
file-mode capture, little endian) without its last N (default 1) COMPRESSED or
COMPRESSED2 records: the feature sections after the data move back by the bytes
removed, the header's data size shrinks by them.  Used by
tests/integration/zstd-cut.sh.
"""
import struct
import sys

COMPRESSED = (81, 83)


def main():
    if len(sys.argv) not in (3, 4):
        sys.exit(__doc__.strip().split("\n\n")[1])
    src, dst = sys.argv[1], sys.argv[2]
    drop = int(sys.argv[3]) if len(sys.argv) == 4 else 1
    buf = bytearray(open(src, "rb").read())
    if buf[:8] != b"PERFILE2":
        sys.exit("%s: not a little-endian file-mode perf.data" % src)
    data_off, data_size = struct.unpack_from("<QQ", buf, 40)
    data_end = data_off + data_size
    # every record of the data section: (offset, type, size)
    recs, pos = [], data_off
    while pos < data_end:
        rtype, _, size = struct.unpack_from("<IHH", buf, pos)
        if size < 8:
            sys.exit("%s: record of size %d at %d" % (src, size, pos))
        recs.append((pos, rtype, size))
        pos += size
    gone = [r for r in recs if r[1] in COMPRESSED][-drop:]
    if len(gone) < drop:
        sys.exit("%s: fewer than %d compressed records" % (src, drop))
    removed = sum(r[2] for r in gone)
    # features: a table of (offset, size) pairs right after the data, one per
    # bit set in the header's bitmap; every section lies after the data
    bits = sum(bin(struct.unpack_from("<Q", buf, 72 + 8 * w)[0]).count("1")
               for w in range(4))
    for i in range(bits):
        off, size = struct.unpack_from("<QQ", buf, data_end + 16 * i)
        struct.pack_into("<QQ", buf, data_end + 16 * i, off - removed, size)
    for off, _, size in reversed(gone):
        del buf[off:off + size]
    struct.pack_into("<Q", buf, 48, data_size - removed)
    open(dst, "wb").write(buf)
    print("removed %d compressed record%s (%d bytes)" %
          (len(gone), "" if len(gone) == 1 else "s", removed))


if __name__ == "__main__":
    main()
