#!/usr/bin/env bash
# Re-download Go binaries from the npm registry for pclntab unit tests and verify them by sha256.
#
# usage: testdata/gobin/fetch.sh [DESTDIR] [NAME...]
#   DESTDIR defaults to testdata/gobin/fetched (not committed). Without NAMEs, all entries are fetched.
#   Each binary is written uncompressed as DESTDIR/<name> (name as in the table below).
#
# Needs: npm (any registry mirror of registry.npmjs.org), tar, sha256sum.
# The binaries marked "committed" are also in this directory as <name>.zst (zstd -19);
# decompress them with `zstd -d -k testdata/gobin/<name>.zst` - no network needed.
set -euo pipefail

here=$(cd "$(dirname "$0")" && pwd)
dest=${1:-$here/fetched}
shift || true

# name | npm package@version | path inside the tarball | sha256 of the binary | Go | pclntab magic | note
table='
esbuild-0.5.26_go1.14.2_fffffffb|esbuild-linux-64@0.5.26|package/bin/esbuild|78687da3b417590c74830660782a62c575f5b35fd8ce218c8b8657b5e0030cf1|go1.14.2|0xfffffffb|unstripped: .symtab + .zdebug_*
esbuild-0.7.22_go1.15_fffffffb|esbuild-linux-64@0.7.22|package/bin/esbuild|588d942e1bd1a79111ba300cf0510b4f7f1ebbc3680b72496947900fe4289cf1|go1.15|0xfffffffb|committed
esbuild-0.8.30_go1.15.5_fffffffb|esbuild-linux-64@0.8.30|package/bin/esbuild|135b404f265346c8b206c98bcc2ed916db8a9a89d60ef7e95438b14876b277ad|go1.15.5|0xfffffffb|
esbuild-0.8.57_go1.16_fffffffa|esbuild-linux-64@0.8.57|package/bin/esbuild|c113262e26944f88d64ab35488983fc64d3215b8a7a4a39f4e5e55918250ed4c|go1.16|0xfffffffa|
esbuild-0.11.23_go1.16.3_fffffffa|esbuild-linux-64@0.11.23|package/bin/esbuild|af27612ed10b2d50cf6bc66870a3d39b37971ef26110cc6df1de4f6f0fa199b1|go1.16.3|0xfffffffa|
esbuild-0.13.15_go1.17.2_fffffffa|esbuild-linux-64@0.13.15|package/bin/esbuild|593df79f645e8c303491a3124a0d998c9c3e4dbef7eee5f9cc112cac46fe3d0a|go1.17.2|0xfffffffa|committed
esbuild-0.14.30_go1.18_fffffff0|esbuild-linux-64@0.14.30|package/bin/esbuild|2636b47b8e2af4da6eafc3747bde2693705e916d2da7b928160067791a83b029|go1.18|0xfffffff0|was committed in 4376f03, removed for size (0xFFFFFFF0 is covered by testdata/bin/*.test)
esbuild-0.14.54_go1.19_fffffff0|esbuild-linux-64@0.14.54|package/bin/esbuild|d83565c6c08a43b1b20c1d1858aecdc2b16c6b24033d5961793de16fbf108f0f|go1.19|0xfffffff0|
esbuild-0.15.18_go1.19.3_fffffff0|esbuild-linux-64@0.15.18|package/bin/esbuild|bada46be9dec28c6a189593aa239e0edfcfd814ec07d282a71eff4db1bb086f6|go1.19.3|0xfffffff0|
esbuild-0.17.19_go1.20.4_fffffff1|@esbuild/linux-x64@0.17.19|package/bin/esbuild|1cddecd699b9e839e3c5cad6b9b0bf31f16e6e536c9885ca4cfb94d9ac60d3b8|go1.20.4|0xfffffff1|committed raw as testdata/bin/esbuild
esbuild-0.18.20_go1.20.7_fffffff1|@esbuild/linux-x64@0.18.20|package/bin/esbuild|82afa0d18098bef823ba5b5c89bb5cfbea1a25f0721416d29a9dd7ba73fd237d|go1.20.7|0xfffffff1|
lefthook-2.2.2_go1.27.0_fffffff1|lefthook-linux-x64@2.2.2|package/bin/lefthook|7771d6243018b445bb83dd3c9b12dffd92a6067a3958f21d984bb389d8dbbc58|go1.27.0|0xfffffff1|has .go.module section and a GNU build-id
'

mkdir -p "$dest"
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
want=" $* "
fail=0
while IFS='|' read -r name pkg inner sha gover magic note; do
	[ -n "$name" ] || continue
	if [ $# -gt 0 ] && [[ $want != *" $name "* ]]; then continue; fi
	out=$dest/$name
	if [ -f "$out" ] && [ "$(sha256sum "$out" | cut -c1-64)" = "$sha" ]; then
		echo "ok (cached) $name"; continue
	fi
	rm -rf "$tmp/x" && mkdir -p "$tmp/x"
	tgz=$(cd "$tmp/x" && npm pack --silent "$pkg" | tail -n1)
	tar -xzf "$tmp/x/$tgz" -C "$tmp/x" "$inner"
	got=$(sha256sum "$tmp/x/$inner" | cut -c1-64)
	if [ "$got" != "$sha" ]; then
		echo "SHA256 MISMATCH $name ($pkg): $got" >&2; fail=1; continue
	fi
	install -m 0755 "$tmp/x/$inner" "$out"
	echo "ok $name  ($pkg, $gover, magic $magic)"
done <<<"$table"
exit $fail
