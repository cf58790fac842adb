#!/bin/sh
# report-page.sh - opens the page `sysflame report` writes in headless
# Chromium and checks it as a reviewer would use it:
#   - no console message at all (errors, CSP refusals, failed loads), and
#     the page's and every embedded graph's script finished without error;
#   - the page's search reaches every embedded graph, and each graph's
#     matched share is the one counted here from the folded inputs;
#   - a table header click sorts the rows (numbers largest first, then
#     smallest first);
#   - names carrying markup or script (a frame, a process name, an input's
#     file name) are shown as text in the page, its tables and its graphs,
#     and never run (the payloads set data-pwned if they ever do);
#   - at 400 px the page does not scroll sideways;
#   - without JavaScript the summary and tables are there and the search
#     field (which needs the script) is hidden.
# Skips (77) without /usr/bin/chromium or python3.
CHROMIUM=${CHROMIUM:-/usr/bin/chromium}
SYSFLAME=${SYSFLAME:-src/sysflame}
if [ ! -x "$CHROMIUM" ]; then
    echo "report-page.sh: SKIP: $CHROMIUM not found (apt-get install chromium)"
    exit 77
fi
if ! command -v python3 >/dev/null 2>&1; then
    echo "report-page.sh: SKIP: python3 not found"
    exit 77
fi
T=$(mktemp -d "${TMPDIR:-/tmp}/report-page.XXXXXX") || exit 1
trap 'rm -rf "$T"' EXIT INT TERM
fail() { echo "report-page.sh: FAIL: $*"; exit 1; }

# Payloads set an attribute on their document's root if they ever run.
P1="<img src=x onerror=document.documentElement.setAttribute('data-pwned','frame')>"
P2="<script>document.documentElement.setAttribute('data-pwned','comm')</script>"
P3="<svg onload=document.documentElement.setAttribute('data-pwned','file')>"
BEFORE="$T/b$P3.folded"
AFTER="$T/after.folded"
cat > "$BEFORE" <<F
x.test;runtime.goexit;testing.tRunner;pkg.TestA;os.(*File).Write;syscall.write;write 100
x.test;runtime.goexit;testing.tRunner;pkg.TestA;os.Open;syscall.openat;openat 20
x.test;runtime.mstart;runtime.sysmon;runtime.usleep;nanosleep 30
x.test;runtime.goexit;testing.tRunner;pkg.Test$P1;syscall.read;read 5
$P2;main.main;syscall.write;write 7
F
cat > "$AFTER" <<F
x.test;runtime.goexit;testing.tRunner;pkg.TestA;os.(*File).Write;syscall.write;write 130
x.test;runtime.goexit;testing.tRunner;pkg.TestB.func1;os.ReadFile;syscall.read;read 10
x.test;runtime.mstart;runtime.sysmon;runtime.usleep;nanosleep 30
x.test;runtime.goexit;testing.tRunner;pkg.Test$P1;syscall.read;read 5
$P2;main.main;syscall.write;write 3
F
"$SYSFLAME" report -q -o "$T/rep" "$BEFORE" "$AFTER" || fail "report exited $?"

# The harness: the page in a wide and a narrow iframe.  File pages may read
# each other only with --allow-file-access-from-files (a user's browser
# needs no such thing: the page never reaches into its graphs).
cat > "$T/harness.html" <<'EOF'
<!DOCTYPE html>
<html><body><pre id="out">pending</pre>
<iframe id="wide" src="rep/index.html" style="width:1400px;height:900px"></iframe>
<iframe id="narrow" src="rep/index.html" style="width:400px;height:900px"></iframe>
<iframe id="nojs" sandbox="allow-same-origin" src="rep/index.html" style="width:1000px;height:600px"></iframe>
<script>
var res = { graphs: {}, searched: {} }, out = document.getElementById("out");
function fin() { out.textContent = JSON.stringify(res); }
function graphs(doc) {
    var o = doc.querySelectorAll("object.flame"), m = {};
    for (var i = 0; i < o.length; i++) m[o[i].getAttribute("data-src")] = o[i];
    return m;
}
function ready(obj) {
    var d = obj.contentDocument;
    return d && d.documentElement && d.documentElement.getAttribute("data-sf-ready") === "1";
}
function waitAll(doc, pred, then, tries) {
    var g = graphs(doc), ok = true;
    for (var k in g) if (!pred(g[k])) ok = false;
    if (ok || tries <= 0) then(ok);
    else setTimeout(function () { waitAll(doc, pred, then, tries - 1); }, 50);
}
function column(table, col) {
    var rows = table.tBodies[0].rows, v = [];
    for (var i = 0; i < rows.length; i++) v.push(rows[i].cells[col].textContent);
    return v;
}
function stage1() {
    var w = document.getElementById("wide").contentDocument;
    var r = w.documentElement;
    res.ready = r.getAttribute("data-report-ready");
    res.error = r.getAttribute("data-report-error");
    res.pwned = r.getAttribute("data-pwned");
    res.scripts = w.getElementsByTagName("script").length;
    res.text = w.body.textContent;
    res.title = w.title;
    var g = graphs(w);
    for (var k in g) {
        var d = g[k].contentDocument, root = d.documentElement;
        res.graphs[k] = { ready: root.getAttribute("data-sf-ready"), error: root.getAttribute("data-sf-error"),
                          pwned: root.getAttribute("data-pwned"), scripts: d.getElementsByTagName("script").length,
                          titles: Array.prototype.map.call(d.getElementsByTagName("title"), function (t) { return t.textContent; }) };
    }
    // sort the syscalls delta table by Before: largest first, then smallest
    var t = w.querySelector('table[data-key="syscalls"]');
    var ths = t.tHead.rows[0].cells, col = -1;
    for (var i = 0; i < ths.length; i++) if (ths[i].textContent === "Before") col = i;
    ths[col].click();
    res.sort1 = column(t, col);
    res.sort1names = column(t, 0);
    ths[col].click();
    res.sort2 = column(t, col);
    res.sort_attr = ths[col].getAttribute("aria-sort");
    // narrow: nothing wider than the frame
    var n = document.getElementById("narrow").contentDocument;
    res.narrow = { scroll: n.documentElement.scrollWidth, client: n.documentElement.clientWidth };
    // without JavaScript (a sandboxed frame): the tables and the summary are
    // there as written, the search field that needs the script stays hidden
    var nj = document.getElementById("nojs").contentDocument;
    res.nojs = { ready: nj.documentElement.getAttribute("data-report-ready"),
                 form_hidden: nj.getElementById("find").hidden,
                 tables: Array.prototype.map.call(nj.querySelectorAll("table[data-key]"),
                                                  function (t) { return t.getAttribute("data-key"); }),
                 text: nj.body.textContent.indexOf("Where the syscalls come from") >= 0 };
    // the page's search, as a user submits it
    var f = w.getElementById("find");
    res.form_hidden = f.hidden;
    f.elements.s.value = "^(write|openat)$";
    f.querySelector('button[type="submit"]').click();
    setTimeout(function () {
        waitAll(w, function (o) {
            return ready(o) && o.contentDocument.location.search.indexOf("s=") >= 0;
        }, function (ok) {
            res.search_ok = ok;
            var g2 = graphs(w);
            for (var k in g2) {
                var m = g2[k].contentDocument.getElementById("matched");
                res.searched[k] = { text: m.textContent, samples: m.getAttribute("data-matched-samples"),
                                    frames: m.getAttribute("data-matched-frames"),
                                    error: g2[k].contentDocument.documentElement.getAttribute("data-sf-error") };
            }
            fin();
        }, 100);
    }, 100);
}
window.addEventListener("load", function () {
    var w = document.getElementById("wide").contentDocument;
    waitAll(w, ready, function (ok) { res.loaded = ok; try { stage1(); } catch (e) { res.exception = String(e); fin(); } }, 100);
});
</script></body></html>
EOF

prof=$(mktemp -d "$T/prof.XXXXXX")
timeout 120 "$CHROMIUM" --headless --no-sandbox --disable-gpu --disable-quic \
    --no-first-run --disable-background-networking --disable-component-update \
    --disable-sync --user-data-dir="$prof" --allow-file-access-from-files \
    --enable-logging=stderr --v=0 --virtual-time-budget=15000 \
    --window-size=1900,1000 --dump-dom "file://$T/harness.html" >"$T/dom" 2>"$T/log"
[ -s "$T/dom" ] || { sed 's/^/    /' "$T/log" | tail -5; fail "chromium produced no DOM"; }

# The page alone, as a reviewer opens it (no extra flags): any console line
# (an error, a refused load, a CSP violation) fails.
prof=$(mktemp -d "$T/prof.XXXXXX")
timeout 120 "$CHROMIUM" --headless --no-sandbox --disable-gpu --disable-quic \
    --no-first-run --disable-background-networking --disable-component-update \
    --disable-sync --user-data-dir="$prof" --enable-logging=stderr --v=0 \
    --virtual-time-budget=5000 --window-size=1400,1000 \
    --dump-dom "file://$T/rep/index.html?s=write" >"$T/alone.dom" 2>"$T/alone.log"
[ -s "$T/alone.dom" ] || fail "chromium produced no DOM for index.html"

python3 - "$T" "$P1" "$P2" "$P3" <<'EOF'
import html, json, re, sys
T, P1, P2, P3 = sys.argv[1:5]
fails = []
def check(cond, what):
    if not cond:
        fails.append(what)

for log in ('log', 'alone.log'):
    # the harness's no-JS frame is sandboxed on purpose: its refusals are expected
    lines = [l for l in open('%s/%s' % (T, log), errors='replace') if 'CONSOLE' in l
             and not (log == 'log' and "because the document's frame is sandboxed" in l)]
    check(not lines, '%s: console messages: %r' % (log, lines[:3]))

dom = open(T + '/dom', encoding='utf-8').read()
m = re.search(r'<pre id="out">(.*?)</pre>', dom, re.S)
res = json.loads(html.unescape(m.group(1))) if m and m.group(1) != 'pending' else {}
check(res and not res.get('exception'), 'harness: %r' % (res.get('exception') or 'no result'))
check(res.get('loaded'), 'not every graph loaded in the page')
check(res.get('ready') == '1' and res.get('error') == '', 'page script: ready=%r error=%r'
      % (res.get('ready'), res.get('error')))
check(res.get('pwned') is None, 'page: injected code ran (%r)' % res.get('pwned'))
check(res.get('scripts') == 1, 'page: %r <script> elements, want 1' % res.get('scripts'))
check(res.get('form_hidden') is False, 'page: the search form stayed hidden')

# names are shown as text, whole
text = res.get('text', '')
for p, where in ((P1, 'frame'), (P2, 'comm'), (P3, 'file name')):
    check(p in text, 'page: the %s %r is not shown as text' % (where, p))
check(P3 in res.get('title', ''), 'page title lacks the file name as text')

# every graph: loaded, no error, nothing injected, names in titles as text
want = {'diff.svg', 'before.svg', 'after.svg'}
check(set(res.get('graphs', {})) == want, 'graphs in the page: %r' % sorted(res.get('graphs', {})))
for k, g in res.get('graphs', {}).items():
    check(g['ready'] == '1' and g['error'] == '', '%s: viewer ready=%r error=%r' % (k, g['ready'], g['error']))
    check(g['pwned'] is None, '%s: injected code ran' % k)
    check(g['scripts'] == 1, '%s: %d <script> elements' % (k, g['scripts']))
    titles = ' '.join(g['titles'])
    check(P1 in titles and P2 in titles, '%s: hostile names not in the frame titles as text' % k)

# independent truth for the search: samples of stacks with a frame matching
# ^(write|openat)$ (openat is only in before: set aside in the diff graph)
def stacks(path):
    out = []
    for line in open(path, encoding='utf-8'):
        line = line.rstrip('\n')
        if line:
            s, n = line.rsplit(' ', 1)
            out.append((s.split(';'), int(n)))
    return out
import glob
bfile = [f for f in glob.glob(T + '/b*.folded')][0]
rx = re.compile('^(write|openat)$')
def matched(st):
    return sum(n for fr, n in st if any(rx.search(f) for f in fr))
b, a = stacks(bfile), stacks(T + '/after.folded')
tot_b, tot_a = sum(n for _, n in b), sum(n for _, n in a)
exp = {'before.svg': (matched(b), tot_b), 'after.svg': (matched(a), tot_a),
       # the diff graph's widths are after's; set-aside stacks are not counted
       'diff.svg': (matched(a), tot_a)}
check(res.get('search_ok'), 'the page search did not reach every graph')
for k, (n, tot) in exp.items():
    s = res.get('searched', {}).get(k)
    if not s:
        fails.append('%s: no search result' % k)
        continue
    check(s['samples'] == str(n), '%s: matched %r samples, want %d' % (k, s['samples'], n))
    check(s['text'] == 'Matched: %.2f%%' % (100.0 * n / tot), '%s: %r, want %.2f%%' % (k, s['text'], 100.0 * n / tot))
    check(s['error'] == '', '%s: error after search %r' % (k, s['error']))

# sorting: Before column largest first, then smallest first
def nums(v):
    return [float(x) for x in v]
s1, s2 = nums(res.get('sort1', ['0'])), nums(res.get('sort2', ['0']))
check(s1 == sorted(s1, reverse=True) and len(s1) > 2, 'first click: not largest first: %r' % s1)
check(s2 == sorted(s2) and s2 != s1, 'second click: not smallest first: %r' % s2)
check(res.get('sort_attr') == 'ascending', 'aria-sort %r' % res.get('sort_attr'))
check(res.get('sort1names', [''])[0] == 'write', 'largest Before should be write: %r' % res.get('sort1names'))

n = res.get('narrow', {})
check(n and n['scroll'] <= n['client'], 'narrow (400 px): page scrolls sideways: %r' % n)

# the page alone with ?s= searched its graphs (read from the dumped DOM)
alone = open(T + '/alone.dom', encoding='utf-8').read()
check('data-searched="write"' in alone and 'data-report-error=""' in alone,
      'index.html?s=write did not search on load')
check(not re.search(r'<[^>]* data-pwned=', alone), 'index.html alone: injected code ran')

nj = res.get('nojs', {})
check(nj.get('ready') is None, 'no-JS frame: the script ran anyway')
check(nj.get('form_hidden') is True, 'no-JS: the search field is shown without its script')
for key in ('syscalls', 'callsites', 'tests'):
    check(key in nj.get('tables', []), 'no-JS: the %s table is missing: %r' % (key, nj.get('tables')))
check(nj.get('text'), 'no-JS: the summary is missing')

if fails:
    for f in fails:
        print('report-page.sh: FAIL: ' + f)
    sys.exit(1)
print('report-page.sh: ok (no console messages, search in %d graphs, sorting, hostile names, 400 px)'
      % len(exp))
EOF
