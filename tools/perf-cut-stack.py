#!/usr/bin/env python3
"""perf-cut-stack.py - cut every sample's user stack copy of a perf.data file.

usage: perf-cut-stack.py IN.data OUT.data [BYTES] [--rounds N [--late BY,F...]]
                         [--relabel FROM,TO,N]
       (BYTES: default 8192)

Rewrites a capture recorded with `--call-graph dwarf,N` (N > BYTES) as if it
had been recorded with `--call-graph dwarf,BYTES`: in each sample the
PERF_SAMPLE_STACK_USER size becomes BYTES, its data is cut to BYTES and its
dyn_size to at most BYTES; every attr's sample_stack_user (header attrs and
the HEADER_EVENT_DESC copies) says BYTES; the feature sections after the data
move by the change in the data's size.  PERF_RECORD_COMPRESSED records (-z)
are decompressed (libzstd, one stream as perf writes it) and written as plain
records.  Used by the stitching truth test (tests/integration/stitch.sh).

--rounds N also writes the timed records in delivery order (by time, then
file order: the order a reader of perf's rounds delivers them in, so the
file reads the same) with a PERF_RECORD_FINISHED_ROUND after every N
samples instead of perf's: a capture with many rounds, where a split read
(split.h) can place its cut anywhere.  Records without a time (perf's
synthesized ones at the start, LOST_SAMPLES at the end) stay where they are.

--late BY,F1[,F2...] (with --rounds) then moves the sample at each fraction
F of the samples BY samples later in the file, its time kept: a sample
that reaches the file after rounds that delivered later ones, as perf
writes one now and then on a busy machine (the reader delivers it late,
out of time order; the split read's late checks in split.sh).

--relabel FROM,TO,N makes every Nth sample of event FROM (a name of the
HEADER_EVENT_DESC feature, e.g. syscalls:sys_enter_write) a sample of event
TO: its sample id becomes TO's id of the same index (the same CPU) and, for
a tracepoint, the common_type of its RAW data becomes TO's config.  The
stacks stay as recorded: a capture where the deep samples are of two
events, so that a --syscall or --event filter hides some of them (the
filtered stitching check of tests/integration/stitch.sh).
"""
import ctypes
import ctypes.util
import struct
import sys

HDR = struct.Struct('<8sQQ QQ QQ QQ 4Q')
SEC = struct.Struct('<QQ')
REC = struct.Struct('<IHH')
COMPRESSED = 81
FINISHED_ROUND = 68
SAMPLE = 9
FEAT_EVENT_DESC = 12

# sample_type bits, in the order their fields appear in a sample
S_IDENTIFIER, S_IP, S_TID, S_TIME, S_ADDR, S_ID, S_STREAM_ID, S_CPU, S_PERIOD = (
    1 << 16, 1 << 0, 1 << 1, 1 << 2, 1 << 3, 1 << 6, 1 << 9, 1 << 7, 1 << 8)
S_READ, S_CALLCHAIN, S_RAW, S_BRANCH, S_REGS_USER, S_STACK_USER = (
    1 << 4, 1 << 5, 1 << 10, 1 << 11, 1 << 12, 1 << 13)
A_SAMPLE_TYPE, A_READ_FORMAT, A_FLAGS, A_BRANCH_TYPE, A_REGS_USER, A_STACK_USER = (
    24, 32, 40, 72, 80, 88)


def die(msg):
    sys.stderr.write('perf-cut-stack: %s\n' % msg)
    sys.exit(1)


class Zstd:
    """One ZSTD_DStream fed every compressed record in file order."""

    class Buf(ctypes.Structure):
        _fields_ = [('ptr', ctypes.c_void_p), ('size', ctypes.c_size_t), ('pos', ctypes.c_size_t)]

    def __init__(self):
        name = ctypes.util.find_library('zstd') or 'libzstd.so.1'
        self.z = ctypes.CDLL(name)
        self.z.ZSTD_createDStream.restype = ctypes.c_void_p
        self.z.ZSTD_decompressStream.restype = ctypes.c_size_t
        self.z.ZSTD_decompressStream.argtypes = [ctypes.c_void_p, ctypes.c_void_p, ctypes.c_void_p]
        self.z.ZSTD_isError.argtypes = [ctypes.c_size_t]
        self.z.ZSTD_initDStream.argtypes = [ctypes.c_void_p]
        self.ds = self.z.ZSTD_createDStream()
        self.z.ZSTD_initDStream(self.ds)
        self.out = ctypes.create_string_buffer(1 << 20)

    def feed(self, data):
        src = ctypes.create_string_buffer(data, len(data))
        ib = self.Buf(ctypes.cast(src, ctypes.c_void_p), len(data), 0)
        res = bytearray()
        while True:
            ob = self.Buf(ctypes.cast(self.out, ctypes.c_void_p), len(self.out), 0)
            r = self.z.ZSTD_decompressStream(self.ds, ctypes.byref(ob), ctypes.byref(ib))
            if self.z.ZSTD_isError(r):
                die('zstd: corrupt PERF_RECORD_COMPRESSED data')
            res += self.out.raw[:ob.pos]
            if ib.pos == ib.size and ob.pos < ob.size:
                return bytes(res)


def stack_offset(st, rmask, abi_regs, body):
    """Offset in a sample's body of its STACK_USER size field."""
    o = 0
    for bit in (S_IDENTIFIER, S_IP, S_TID, S_TIME, S_ADDR, S_ID, S_STREAM_ID, S_CPU, S_PERIOD):
        if st & bit:
            o += 8
    if st & S_READ:
        die('PERF_SAMPLE_READ samples are not supported')
    if st & S_CALLCHAIN:
        nr, = struct.unpack_from('<Q', body, o)
        o += 8 + 8 * nr
    if st & S_RAW:
        n, = struct.unpack_from('<I', body, o)
        o += 4 + n
    if st & S_BRANCH:
        die('PERF_SAMPLE_BRANCH_STACK samples are not supported')
    if st & S_REGS_USER:
        abi, = struct.unpack_from('<Q', body, o)
        o += 8 + (8 * abi_regs if abi else 0)
    return o


def record_time(rec, st, id_all):
    """A record's time (0: none): a sample's field, else the sample_id
    trailer's (sample_id_all)."""
    typ, = struct.unpack_from('<I', rec, 0)
    if not st & S_TIME:
        return 0
    if typ == SAMPLE:
        o = 8 + 8 * sum(1 for b in (S_IDENTIFIER, S_IP, S_TID) if st & b)
        return struct.unpack_from('<Q', rec, o)[0]
    if typ >= 64 or not id_all:
        return 0
    after = sum(1 for b in (S_ID, S_STREAM_ID, S_CPU, S_IDENTIFIER) if st & b)
    return struct.unpack_from('<Q', rec, len(rec) - 8 * (after + 1))[0]


def in_rounds(data, st, id_all, n, late=None):
    """The records of data in delivery order, a round marker every n samples
    (late: (BY, fractions), samples moved BY samples on)."""
    recs, p = [], 0
    while p < len(data):
        size = REC.unpack_from(data, p)[2]
        recs.append(bytes(data[p:p + size]))
        p += size
    recs = [r for r in recs if REC.unpack_from(r, 0)[0] != FINISHED_ROUND]
    k = 0
    while k < len(recs) and record_time(recs[k], st, id_all) in (0, 2**64 - 1):
        k += 1
    e = len(recs)
    while e > k and record_time(recs[e - 1], st, id_all) in (0, 2**64 - 1):
        e -= 1
    head, timed, tail = recs[:k], recs[k:e], recs[e:]
    keyed = []
    for i, r in enumerate(timed):
        t = record_time(r, st, id_all)
        if t in (0, 2**64 - 1):
            die('a record without a time amid the timed ones: no --rounds')
        keyed.append((t, i, r))
    keyed.sort()
    if late:
        by, fracs = late
        samples = [j for j, (_t, _i, r) in enumerate(keyed) if REC.unpack_from(r, 0)[0] == SAMPLE]
        moved = sorted({samples[min(int(f * len(samples)), len(samples) - 1)] for f in fracs},
                       reverse=True)
        for j in moved:
            k = samples.index(j) + by
            dest = samples[k] if k < len(samples) else len(keyed)
            keyed.insert(dest, keyed.pop(j))   # after the sample BY on
            samples = [x for x, (_t, _i, r) in enumerate(keyed)
                       if REC.unpack_from(r, 0)[0] == SAMPLE]
    marker = REC.pack(FINISHED_ROUND, 0, 8)
    res = bytearray(b''.join(head))
    ns = 0
    for _t, _i, r in keyed:
        res += r
        if REC.unpack_from(r, 0)[0] == SAMPLE:
            ns += 1
            if ns % n == 0:
                res += marker
    # two markers deliver every timed record; the untimed ones (perf's
    # LOST_SAMPLES at the end) follow them
    return res + marker + marker + b''.join(tail)


def event_descs(buf, d_off, d_size, feat):
    """{name: (config, ids)} of the HEADER_EVENT_DESC feature."""
    bits = [i for i in range(256) if feat[i // 64] >> (i % 64) & 1]
    res = {}
    for k, bit in enumerate(bits):
        fo, _fs = SEC.unpack_from(buf, d_off + d_size + k * SEC.size)
        if bit != FEAT_EVENT_DESC:
            continue
        nr, asz = struct.unpack_from('<II', buf, fo)
        q = fo + 8
        for _ in range(nr):
            config, = struct.unpack_from('<Q', buf, q + 8)
            q += asz
            nids, slen = struct.unpack_from('<II', buf, q)
            name = bytes(buf[q + 8:q + 8 + slen]).split(b'\0')[0].decode()
            q += 8 + slen
            res[name] = (config, struct.unpack_from('<%dQ' % nids, buf, q))
            q += 8 * nids
    return res


def id_offset(st):
    """Offset in a sample's body of its id (IDENTIFIER, else ID)."""
    if st & S_IDENTIFIER:
        return 0
    if not st & S_ID:
        die('samples carry no id: no --relabel')
    return 8 * sum(1 for b in (S_IP, S_TID, S_TIME, S_ADDR) if st & b)


def main():
    args = sys.argv[1:]
    rounds = 0
    relabel = None
    if '--relabel' in args:
        i = args.index('--relabel')
        relabel = args[i + 1].split(',') if i + 1 < len(args) else []
        del args[i:i + 2]
        if len(relabel) != 3 or not relabel[2].isdigit() or int(relabel[2]) <= 0:
            die('--relabel takes FROM,TO,N (N > 0)')
    if '--rounds' in args:
        i = args.index('--rounds')
        rounds = int(args[i + 1]) if i + 1 < len(args) and args[i + 1].isdigit() else 0
        del args[i:i + 2]
        if rounds <= 0:
            die('--rounds needs a positive number of samples')
    late = None
    if '--late' in args:
        i = args.index('--late')
        v = args[i + 1].split(',') if i + 1 < len(args) else []
        del args[i:i + 2]
        try:
            late = (int(v[0]), [float(f) for f in v[1:]])
        except (ValueError, IndexError):
            late = None
        if not late or late[0] <= 0 or not late[1] or not rounds or \
                any(not 0 <= f < 1 for f in late[1]):
            die('--late takes BY,F1[,F2...] (BY > 0, 0 <= F < 1) and needs --rounds')
    if len(args) not in (2, 3):
        sys.stderr.write('usage: perf-cut-stack.py IN.data OUT.data [BYTES] [--rounds N [--late BY,F...]] '
                         '[--relabel FROM,TO,N]\n')
        sys.exit(2)
    src, dst = args[0], args[1]
    cut = int(args[2]) if len(args) == 3 else 8192
    if cut <= 0 or cut % 8:
        die('BYTES must be a positive multiple of 8')
    buf = bytearray(open(src, 'rb').read())
    if len(buf) < HDR.size:
        die("'%s': not a perf.data file" % src)
    (magic, hsize, attr_size, a_off, a_size, d_off, d_size, _e_off, _e_size,
     *feat) = HDR.unpack_from(buf, 0)
    if magic != b'PERFILE2':
        die("'%s': not a perf.data file (pipe-mode files are not supported)" % src)

    # attrs: all must share one sample layout
    layouts = set()
    for o in range(a_off, a_off + a_size, attr_size):
        st, = struct.unpack_from('<Q', buf, o + A_SAMPLE_TYPE)
        rmask, = struct.unpack_from('<Q', buf, o + A_REGS_USER)
        flags, = struct.unpack_from('<Q', buf, o + A_FLAGS)
        layouts.add((st, rmask, flags >> 18 & 1))
        if st & S_STACK_USER:
            struct.pack_into('<I', buf, o + A_STACK_USER, cut)
    if len(layouts) != 1:
        die("'%s': attrs with different sample layouts are not supported" % src)
    st, rmask, id_all = layouts.pop()
    if not st & S_STACK_USER:
        die("'%s': samples have no user stack copy (not --call-graph dwarf)" % src)
    if not st & S_IDENTIFIER and not st & S_ID and a_size // attr_size > 1:
        pass  # one layout for all: no need to tell the attrs apart
    abi_regs = bin(rmask).count('1')
    if relabel:
        descs = event_descs(buf, d_off, d_size, feat)
        for name in relabel[:2]:
            if name not in descs:
                die("'%s': no event %s in HEADER_EVENT_DESC" % (src, name))
        (_c, from_ids), (to_config, to_ids) = descs[relabel[0]], descs[relabel[1]]
        if len(from_ids) != len(to_ids):
            die('%s and %s have different numbers of ids' % tuple(relabel[:2]))
        relabel_every, relabel_seen = int(relabel[2]), [0]

    zs = None
    out = bytearray()
    pending = bytearray()
    counts = {'samples': 0, 'cut': 0}

    def emit_records(data):
        p = 0
        while p + 8 <= len(data):
            typ, _misc, size = REC.unpack_from(data, p)
            if size < 8:
                die("'%s': bad record size %d" % (src, size))
            if p + size > len(data):
                break
            rec = data[p:p + size]
            if typ == SAMPLE:
                rec = cut_sample(rec)
            out.extend(rec)
            p += size
        return data[p:]

    def relabel_sample(body):
        io = id_offset(st)
        sid, = struct.unpack_from('<Q', body, io)
        if sid not in from_ids:
            return body
        relabel_seen[0] += 1
        if relabel_seen[0] % relabel_every:
            return body
        body = bytearray(body)
        struct.pack_into('<Q', body, io, to_ids[from_ids.index(sid)])
        if st & S_RAW:
            ro = stack_offset(st & ~(S_RAW | S_REGS_USER), rmask, abi_regs, body)
            struct.pack_into('<H', body, ro + 4, to_config)
        return bytes(body)

    def cut_sample(rec):
        counts['samples'] += 1
        body = rec[8:]
        if relabel:
            body = relabel_sample(body)
            rec = rec[:8] + body
        o = stack_offset(st, rmask, abi_regs, body)
        size, = struct.unpack_from('<Q', body, o)
        if size <= cut:
            return rec
        dyn, = struct.unpack_from('<Q', body, o + 8 + size)
        counts['cut'] += 1
        nb = (body[:o] + struct.pack('<Q', cut) + body[o + 8:o + 8 + cut] +
              struct.pack('<Q', min(dyn, cut)) + body[o + 16 + size:])
        typ, misc, _ = REC.unpack_from(rec, 0)
        return REC.pack(typ, misc, 8 + len(nb)) + nb

    p, end = d_off, d_off + d_size
    while p < end:
        typ, _misc, size = REC.unpack_from(buf, p)
        if size < 8 or p + size > end:
            die("'%s': bad record at offset %d" % (src, p))
        if typ == COMPRESSED:
            if zs is None:
                zs = Zstd()
            pending = emit_records(pending + zs.feed(bytes(buf[p + 8:p + size])))
        else:
            if pending:
                die("'%s': a record spans a plain one at offset %d" % (src, p))
            emit_records(bytes(buf[p:p + size]))
        p += size
    if pending:
        die("'%s': compressed data ends inside a record" % src)
    if rounds:
        out = in_rounds(out, st, id_all, rounds, late)

    # features: the section table follows the data; contents move with it
    bits = [i for i in range(256) if feat[i // 64] >> (i % 64) & 1]
    tbl = end
    secs = [SEC.unpack_from(buf, tbl + k * SEC.size) for k in range(len(bits))]
    tail_start = tbl + len(bits) * SEC.size
    for bit, (fo, fs) in zip(bits, secs):
        if fo < tail_start and fs:
            die("'%s': feature %d lies before the data's end" % (src, bit))
        if bit == FEAT_EVENT_DESC:
            nr, asz = struct.unpack_from('<II', buf, fo)
            q = fo + 8
            for _ in range(nr):
                st_e, = struct.unpack_from('<Q', buf, q + A_SAMPLE_TYPE)
                if st_e & S_STACK_USER:
                    struct.pack_into('<I', buf, q + A_STACK_USER, cut)
                q += asz
                nids, = struct.unpack_from('<I', buf, q)
                slen, = struct.unpack_from('<I', buf, q + 4)
                q += 8 + slen + 8 * nids
    delta = (d_off + len(out)) - end
    table = b''.join(SEC.pack(fo + delta if fs else fo, fs) for fo, fs in secs)
    hdr = bytearray(buf[:d_off])
    struct.pack_into('<Q', hdr, 48, len(out))
    with open(dst, 'wb') as f:
        f.write(hdr)
        f.write(out)
        f.write(table)
        f.write(buf[tail_start:])
    sys.stderr.write('perf-cut-stack: %d samples, %d cut to %d bytes\n'
                     % (counts['samples'], counts['cut'], cut))


if __name__ == '__main__':
    main()
