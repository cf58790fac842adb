#!/usr/bin/env python3
"""bench/split-halves.py - cut a file-mode perf.data into two captures at the
first FINISHED_ROUND past a fraction of its data, to measure what splitting
the file between threads could gain (doc/performance.md, round 6).

The first part keeps the records up to that round marker; the second gets the
first part's non-sample records (MMAP, COMM, FORK...: the process state its
samples need) followed by the rest.  Header, attributes and feature sections
are copied unchanged.  For measurement only: the two outputs are not a
partition sysflame would reproduce exactly.

    bench/split-halves.py CAPTURE FIRST SECOND [FRACTION]     (default 0.5)
"""
import mmap
import struct
import sys

PERF_RECORD_SAMPLE = 9
PERF_RECORD_FINISHED_ROUND = 68


def main():
    if len(sys.argv) not in (4, 5):
        sys.exit(__doc__.strip().splitlines()[-1].strip())
    src, first, second = sys.argv[1:4]
    fraction = float(sys.argv[4]) if len(sys.argv) == 5 else 0.5
    with open(src, "rb") as f:
        m = mmap.mmap(f.fileno(), 0, access=mmap.ACCESS_READ)
    if m[:8] != b"PERFILE2":
        sys.exit(f"{src}: not a file-mode perf.data")
    data_off, data_size = struct.unpack_from("<QQ", m, 40)
    nr_features = sum(bin(b).count("1") for b in m[72:104])
    table_off = data_off + data_size
    sections = [struct.unpack_from("<QQ", m, table_off + 16 * i) for i in range(nr_features)]

    records = []                      # (offset, type, size)
    pos, end = data_off, data_off + data_size
    while pos + 8 <= end:
        rtype, _misc, size = struct.unpack_from("<IHH", m, pos)
        if size < 8 or pos + size > end:
            break
        records.append((pos, rtype, size))
        pos += size
    cut_at = data_off + fraction * data_size
    cut = next((i for i, (p, t, _) in enumerate(records)
                if p >= cut_at and t == PERF_RECORD_FINISHED_ROUND), None)
    if cut is None:
        sys.exit(f"{src}: no round marker past {fraction:.0%} of the data")
    state = [r for r in records[:cut] if r[1] not in (PERF_RECORD_SAMPLE, PERF_RECORD_FINISHED_ROUND)]

    def write(path, parts):
        data = b"".join(m[p:p + s] for p, _, s in parts)
        header = bytearray(m[:data_off])
        struct.pack_into("<Q", header, 48, len(data))
        table, blobs = b"", b""
        first_section = data_off + len(data) + 16 * nr_features
        for offset, size in sections:
            table += struct.pack("<QQ", first_section + len(blobs), size)
            blobs += m[offset:offset + size]
        with open(path, "wb") as out:
            out.write(header + data + table + blobs)

    write(first, records[:cut + 1])
    write(second, state + records[cut:])
    print(f"{len(records)} records: {cut + 1} in {first}, "
          f"{len(state)} state + {len(records) - cut} in {second}")


if __name__ == "__main__":
    main()
