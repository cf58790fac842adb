#!/bin/sh
# make-bad.sh - regenerates the hostile perf.data corpus in this directory.
# Each NAME.data comes with NAME.err: the exact one-line error the reader
# gives when opened as plain "NAME.data" from this directory (the CLI
# prints it after "sysflame: ").  Files are tiny pipe-mode (or raw) images
# written byte by byte, little endian.  Needs: sh, printf.
# tests/unit/test_perfdata.c replays them all.
set -eu
cd "$(dirname "$0")"

# little-endian integers as printf escapes
le() {  # le BYTES VALUE
    n=$1 v=$2 i=0 out=""
    while [ $i -lt "$n" ]; do
        out="$out\\$(printf '%03o' $((v & 255)))"
        v=$((v >> 8)); i=$((i + 1))
    done
    printf "$out"
}
u16() { le 2 "$1"; }
u32() { le 4 "$1"; }
u64() { le 8 "$1"; }
zeros() { head -c "$1" /dev/zero; }
hdr() { u32 "$1"; u16 "$2"; u16 "$3"; }          # type misc size
pipe_header() { printf 'PERFILE2'; u64 16; }
# HEADER_ATTR: 64-byte attr (type 1, given sample_type), then ids
attr_rec() {  # attr_rec SAMPLE_TYPE [ids...]
    st=$1; shift
    hdr 64 0 $((8 + 64 + 8 * $#))
    u32 1; u32 64; u64 0; u64 1; u64 "$st"; u64 0; u64 0; zeros 16
    for id in "$@"; do u64 "$id"; done
}

printf '' > empty.data
echo "'empty.data': empty file" > empty.err

printf 'this is not a perf.data file\n' > not-perf.data
echo "'not-perf.data': not a perf.data file (bad magic)" > not-perf.err

{ printf 'PERFILE2'; u32 104; } > truncated-header.data
echo "'truncated-header.data': truncated header at offset 12: not a perf.data file" > truncated-header.err

# records start at 16 + 72 = 88
{ pipe_header; attr_rec 1; hdr 9 0 0; u64 0; } > zero-size.data
echo "'zero-size.data': record at offset 88 has invalid size 0" > zero-size.err

{ pipe_header; attr_rec 1; hdr 9 0 64; u64 0x401000; } > past-eof.data
echo "'past-eof.data': truncated record at offset 88 (size 64, 16 bytes left)" > past-eof.err

# sample_type CALLCHAIN (0x20): nr = 2^64 - 16 in a 24-byte record
{ pipe_header; attr_rec 32; hdr 9 2 24; u64 -16; u64 0; } > huge-callchain.data
echo "'huge-callchain.data': sample at offset 88: callchain of 18446744073709551600 entries exceeds the record" > huge-callchain.err

# two attrs (ids 1 and 2), sample_type ID (0x40); a sample with id 9
{ pipe_header; attr_rec 64 1; attr_rec 64 2; hdr 9 2 16; u64 9; } > unknown-attr-id.data
echo "'unknown-attr-id.data': sample at offset 176: id 9 matches no event" > unknown-attr-id.err

# HEADER_ATTR whose attr.size (200) exceeds its 72-byte record
{ pipe_header; hdr 64 0 72; u32 1; u32 200; u64 0; u64 1; u64 1; zeros 40; } > bad-attr-size.data
echo "'bad-attr-size.data': bad attr size 200 at offset 24" > bad-attr-size.err

# PERF_RECORD_COMPRESSED carrying bytes that are no zstd frame
{ pipe_header; attr_rec 1; hdr 81 0 24; printf 'garbage!notzstd!'; } > corrupt-compressed.data
echo "'corrupt-compressed.data': corrupt compressed record at offset 88: Unknown frame descriptor" > corrupt-compressed.err

# (a compressed stream that ends inside a record is no longer an error:
# perf record leaves one so, and it is read up to there with a warning,
# tests/integration/zstd-cut.sh)
