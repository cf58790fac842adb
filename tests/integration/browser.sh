#!/bin/sh
# browser.sh - loads sysflame flame graphs in headless Chromium and checks the
# viewer script: it runs without errors, ?s=REGEX highlights the right frames
# and reports the matched share, ?x=&y= and a dispatched click zoom to the
# expected widths, hostile frame names never execute, and a graph taller than
# its window opens at the bottom, where the roots are (an icicle at the top).
# The SVGs come from `test_svg --emit` (the same fixtures the unit test checks).
# Skips (77) without /usr/bin/chromium or python3.
CHROMIUM=${CHROMIUM:-/usr/bin/chromium}
if [ ! -x "$CHROMIUM" ]; then
    echo "browser.sh: SKIP: $CHROMIUM not found (apt-get install chromium)"
    exit 77
fi
if ! command -v python3 >/dev/null 2>&1; then
    echo "browser.sh: SKIP: python3 not found"
    exit 77
fi
BUILDDIR=${BUILDDIR:-.}
EMITTER="$BUILDDIR/tests/unit/test_svg"
if [ ! -x "$EMITTER" ]; then
    echo "browser.sh: SKIP: $EMITTER not built (make check builds it)"
    exit 77
fi

tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT INT TERM
"$EMITTER" --emit "$tmp" || { echo "browser.sh: FAIL: cannot write test SVGs"; exit 1; }

# dump URL OUT [extra chromium flags]: the DOM after scripts ran
dump() {
    url=$1; out=$2; shift 2
    prof=$(mktemp -d "$tmp/prof.XXXXXX")
    timeout 120 "$CHROMIUM" --headless --no-sandbox --disable-gpu --disable-quic \
        --no-first-run --disable-background-networking --disable-component-update \
        --disable-sync --user-data-dir="$prof" --virtual-time-budget=5000 \
        "$@" --dump-dom "$url" >"$out" 2>"$out.err"
    if [ ! -s "$out" ]; then
        echo "browser.sh: FAIL: chromium produced no DOM for $url"
        sed 's/^/    /' "$out.err" | tail -5
        exit 1
    fi
}

# Zoom target for ?x=&y=: the rect of os.(*File).Write in basic.svg.
xy=$(python3 - "$tmp/basic.svg" <<'EOF'
import sys, xml.etree.ElementTree as E
ns = '{http://www.w3.org/2000/svg}'
for g in E.parse(sys.argv[1]).getroot().iter(ns + 'g'):
    t = g.find(ns + 'title')
    if t is not None and t.text.startswith('os.(*File).Write ('):
        r = g.find(ns + 'rect')
        print('x=%s&y=%s' % (r.get('x'), r.get('y')))
EOF
)
[ -n "$xy" ] || { echo "browser.sh: FAIL: no os.(*File).Write frame in basic.svg"; exit 1; }

dump "file://$tmp/basic.svg?s=%5E(read%7Cwrite)%24" "$tmp/search.dom"
dump "file://$tmp/basic.svg?s=%5E(READ%7CWrite)%24&i=1" "$tmp/searchi.dom"
dump "file://$tmp/basic.svg?$xy" "$tmp/zoom.dom"
dump "file://$tmp/hostile.svg?s=script" "$tmp/hostile.dom"
dump "file://$tmp/many.svg?s=%5Eread%24" "$tmp/many.dom"

# A page that loads the SVG in an iframe and clicks a frame from outside.
cat >"$tmp/click.html" <<'EOF'
<!DOCTYPE html>
<html><body><pre id="out">pending</pre>
<iframe id="f" src="basic.svg" width="1200" height="300"></iframe>
<script>
document.getElementById("f").addEventListener("load", function () {
    var out = document.getElementById("out"), res = {};
    try {
        var d = this.contentDocument, gs = d.getElementById("frames").children;
        function find(name) {
            for (var i = 0; i < gs.length; i++) {
                var t = gs[i].getElementsByTagName("title")[0].textContent;
                if (t.indexOf(name + " (") === 0) return gs[i];
            }
            return null;
        }
        function state(name) {
            var g = find(name), r = g.getElementsByTagName("rect")[0];
            return { x: r.getAttribute("x"), w: r.getAttribute("width"), cls: g.getAttribute("class") || "",
                     text: g.getElementsByTagName("text")[0].textContent };
        }
        res.ready = d.documentElement.getAttribute("data-sf-ready");
        find("main.main.func1").getElementsByTagName("rect")[0]
            .dispatchEvent(new MouseEvent("click", { bubbles: true }));
        res.zoomed = { func1: state("main.main.func1"), openat: state("openat"),
                       goexit: state("runtime.goexit"), main: state("main.main"),
                       read: state("read"), all: state("all") };
        d.getElementById("unzoom").dispatchEvent(new MouseEvent("click", { bubbles: true }));
        res.unzoomed = { func1: state("main.main.func1"), read: state("read") };
        d.dispatchEvent(new KeyboardEvent("keydown", { key: "Escape" }));
        res.error = d.documentElement.getAttribute("data-sf-error");
    } catch (e) {
        res.exception = String(e);
    }
    out.textContent = JSON.stringify(res);
});
</script></body></html>
EOF
dump "file://$tmp/click.html" "$tmp/click.dom" --allow-file-access-from-files

# A tower 150 frames deep (2,526 px) in a 1400x900 window, as a flame graph
# and as an icicle graph: where does each open?
SYSFLAME=${SYSFLAME:-$BUILDDIR/src/sysflame}
python3 -c "print('tower;' + ';'.join('f%d' % i for i in range(150)) + ' 5'); print('tower;a 100')" \
    > "$tmp/tall.folded"
"$SYSFLAME" svg -q "$tmp/tall.folded" -o "$tmp/tall.svg" &&
    "$SYSFLAME" svg -q --inverted "$tmp/tall.folded" -o "$tmp/icicle.svg" ||
    { echo "browser.sh: FAIL: cannot write the tall graphs"; exit 1; }
for g in tall icicle; do
    cat >"$tmp/$g.html" <<EOF
<!DOCTYPE html>
<html><body style="margin:0"><pre id="out">pending</pre>
<iframe id="f" src="$g.svg" width="1400" height="900" style="border:0"></iframe>
<script>
document.getElementById("f").addEventListener("load", function () {
    var w = this.contentWindow, d = this.contentDocument, res = {};
    try {
        var gs = d.getElementById("frames").children, root = null;
        for (var i = 0; i < gs.length; i++)
            if (gs[i].getElementsByTagName("title")[0].textContent.indexOf("all (") === 0)
                root = gs[i].getElementsByTagName("rect")[0];
        res = { scrollY: w.scrollY, inner: w.innerHeight,
                height: d.documentElement.getBoundingClientRect().height,
                rootY: parseFloat(root.getAttribute("y")), rootH: parseFloat(root.getAttribute("height")) };
    } catch (e) { res.exception = String(e); }
    document.getElementById("out").textContent = JSON.stringify(res);
});
</script></body></html>
EOF
    dump "file://$tmp/$g.html" "$tmp/$g.dom" --allow-file-access-from-files
done

python3 - "$tmp" <<'EOF'
import html, json, re, sys, xml.etree.ElementTree as E
tmp = sys.argv[1]
ns = '{http://www.w3.org/2000/svg}'
fails = []

def check(cond, what):
    if not cond:
        fails.append(what)

def load(name):
    text = open('%s/%s' % (tmp, name), encoding='utf-8').read()
    root = E.fromstring(text)
    frames = {}
    for g in root.iter(ns + 'g'):
        t = g.find(ns + 'title')
        if t is None:
            continue
        name_ = t.text[:t.text.rfind(' (')]
        frames.setdefault(name_, []).append(g)
    return root, frames

def ran_clean(root, what):
    check(root.get('data-sf-ready') == '1', '%s: viewer script did not finish' % what)
    check(root.get('data-sf-error') == '', '%s: script error: %r' % (what, root.get('data-sf-error')))

# 1. search via ?s=^(read|write)$ : exactly read and write highlighted (the
# kernel's write_[k] too: labels drop the annotation, as flamegraph.pl's),
# share (3+7+2)/19; then case-insensitively (?i=1, the "ic" toggle)
for dom, suffix in (('search.dom', ''), ('searchi.dom', ', ignoring case')):
    root, frames = load(dom)
    ran_clean(root, dom)
    matched = root.find('.//%stext[@id="matched"]' % ns)
    want = 'Matched: 63.16%' + suffix
    check(matched is not None and matched.text == want,
          '%s: matched text %r, want %r' % (dom, matched.text if matched is not None else None, want))
    for name, gs in frames.items():
        for g in gs:
            hit = g.find(ns + 'rect').get('fill') == 'rgb(230,0,230)'
            check(hit == (name in ('read', 'write')), '%s: frame %r highlighted=%s' % (dom, name, hit))
    ic = root.find('.//%stext[@id="ignorecase"]' % ns)
    check(ic is not None and (('show' in (ic.get('class') or '')) == bool(suffix)),
          '%s: ic toggle class %r' % (dom, ic.get('class') if ic is not None else None))

# 2. zoom via ?x=&y= on os.(*File).Write: it and its children fill the width
root, frames = load('zoom.dom')
ran_clean(root, 'zoom')
for name in ('os.(*File).Write', 'syscall.write', 'write'):
    # two frames are labelled write (one is the kernel's write_[k]): the wider
    r = max((g.find(ns + 'rect') for g in frames[name]), key=lambda r: float(r.get('width')))
    check(abs(float(r.get('width')) - 1180) < 0.01 and abs(float(r.get('x')) - 10) < 0.01,
          'zoom: %s at x=%s w=%s, want 10/1180' % (name, r.get('x'), r.get('width')))
check('hide' in (frames['read'][0].get('class') or ''), 'zoom: read not hidden')
check('parent' in (frames['main.main'][0].get('class') or ''), 'zoom: main.main not marked parent')
check('hide' not in (root.find('.//%stext[@id="unzoom"]' % ns).get('class') or ''), 'zoom: no Reset Zoom')

# 3. click dispatched from a harness page
dom = open('%s/click.dom' % tmp, encoding='utf-8').read()
m = re.search(r'<pre id="out">(.*?)</pre>', dom, re.S)
res = json.loads(html.unescape(m.group(1))) if m and m.group(1) != 'pending' else {}
check(res.get('ready') == '1' and not res.get('exception') and res.get('error') == '',
      'click: harness result %r' % res)
if 'zoomed' in res:
    z = res['zoomed']
    check(abs(float(z['func1']['w']) - 1180) < 0.01, 'click: func1 width %s' % z['func1']['w'])
    check(abs(float(z['openat']['w']) - 1180) < 0.01, 'click: openat width %s' % z['openat']['w'])
    check('parent' in z['goexit']['cls'] and float(z['goexit']['w']) > 1179, 'click: goexit %r' % z['goexit'])
    check('hide' in z['main']['cls'], 'click: sibling main.main not hidden %r' % z['main'])
    check('hide' in z['read']['cls'], 'click: read not hidden %r' % z['read'])
    check(z['func1']['text'] == 'main.main.func1', 'click: text not refit: %r' % z['func1']['text'])
    u = res['unzoomed']
    check(abs(float(u['func1']['w']) - 4 / 19 * 1180) < 0.01 and 'hide' not in u['read']['cls'],
          'click: unzoom did not restore %r' % u)

# 4. hostile names: nothing injected ran; the script still works; search finds them
root, frames = load('hostile.dom')
ran_clean(root, 'hostile')
check(root.get('data-pwned') is None, 'hostile: injected code ran (data-pwned=%r)' % root.get('data-pwned'))
check(len(root.findall('.//%sscript' % ns)) == 1, 'hostile: extra <script> elements in the DOM')
matched = root.find('.//%stext[@id="matched"]' % ns)
want = 100.0 * (10 + 11 + 12 + 13) / (10 + 11 + 12 + 13 + 14 + 15 + 16 + 17 + 18 + 5)
check(matched.text == 'Matched: %.2f%%' % want, 'hostile: matched %r, want %.2f%%' % (matched.text, want))

# 5. 100k unique stacks: loads, searches
root, frames = load('many.dom')
ran_clean(root, 'many')
matched = root.find('.//%stext[@id="matched"]' % ns)
check(matched.text.startswith('Matched: '), 'many: search did not run: %r' % matched.text)

# 6. a graph taller than its window opens where its roots are: at the bottom
#    for a flame graph, at the top for an icicle graph
for g in ('tall', 'icicle'):
    dom = open('%s/%s.dom' % (tmp, g), encoding='utf-8').read()
    m = re.search(r'<pre id="out">(.*?)</pre>', dom, re.S)
    res = json.loads(html.unescape(m.group(1))) if m and m.group(1) != 'pending' else {}
    if 'rootY' not in res:
        check(False, '%s: harness result %r' % (g, res))
        continue
    check(res['height'] > 2000 and res['inner'] == 900, '%s: page %r' % (g, res))
    check(res['scrollY'] <= res['rootY'] and
          res['rootY'] + res['rootH'] <= res['scrollY'] + res['inner'],
          '%s: the root frame (y=%s) is not in the window (%s..%s)'
          % (g, res['rootY'], res['scrollY'], res['scrollY'] + res['inner']))
    check((res['scrollY'] == 0) == (g == 'icicle'), '%s: opened at scrollY=%s' % (g, res['scrollY']))

# the hostile page must not have set window.pwned either: no way to read it from
# --dump-dom, so the payloads write DOM attributes instead (checked above).
if fails:
    for f in fails:
        print('browser.sh: FAIL: ' + f)
    sys.exit(1)
print('browser.sh: ok (search, URL zoom, click zoom/unzoom, hostile names, 100k stacks, tall graphs)')
EOF
