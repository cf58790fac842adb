// sysflame flame graph viewer: click to zoom, search (regex), hover details.
// Static code: every per-frame value is read from the DOM (titles, attributes),
// never from generated script.  URL parameters: ?s=REGEX searches,
// ?x=X&y=Y zooms to the frame whose rect starts at X,Y (flamegraph.pl style).
(function () {
    "use strict";
    var svg = document.documentElement;
    var frames, details, unzoomBtn, searchBtn, matchedTxt;
    var xpad, fontsize, fontwidth, inverted, nametype, total;
    var searchColor = "rgb(230,0,230)";
    var currentSearch = null;
    var ignoreCase = false, icBtn;

    svg.setAttribute("data-sf-error", "");
    window.addEventListener("error", function (e) {
        svg.setAttribute("data-sf-error", String(e.message || "error"));
    });

    function num(attr, dflt) {
        var v = parseFloat(svg.getAttribute(attr));
        return isNaN(v) ? dflt : v;
    }
    function rectOf(g) { return g.getElementsByTagName("rect")[0]; }
    function textOf(g) { return g.getElementsByTagName("text")[0]; }
    function titleOf(g) {
        var t = g.getElementsByTagName("title")[0];
        return t ? t.textContent : "";
    }
    // The tooltip is "NAME (counts...)": the name is what precedes the last " (".
    function nameOf(g) {
        var t = titleOf(g), i = t.lastIndexOf(" (");
        return i < 0 ? t : t.substring(0, i);
    }
    function attrF(e, a) { return parseFloat(e.getAttribute(a)); }
    function frameOf(node) {
        while (node && node !== svg) {
            if (node.parentNode === frames && node.tagName === "g") return node;
            node = node.parentNode;
        }
        return null;
    }

    // Clip a name to a width the same way the C writer does.
    function fitText(g) {
        var r = rectOf(g), t = textOf(g);
        if (!r || !t) return;
        var w = attrF(r, "width");
        t.setAttribute("x", (attrF(r, "x") + 3).toFixed(2));
        var chars = Math.floor(w / (fontsize * fontwidth));
        if (chars < 3) { t.textContent = ""; return; }
        var name = Array.from(nameOf(g));
        if (name.length <= chars) { t.textContent = name.join(""); return; }
        t.textContent = name.slice(0, chars - 2).join("") + "..";
    }

    function saveOrig(r) {
        if (!r.hasAttribute("data-ox")) {
            r.setAttribute("data-ox", r.getAttribute("x"));
            r.setAttribute("data-ow", r.getAttribute("width"));
        }
    }
    function restoreOrig(r) {
        if (r.hasAttribute("data-ox")) {
            r.setAttribute("x", r.getAttribute("data-ox"));
            r.setAttribute("width", r.getAttribute("data-ow"));
            r.removeAttribute("data-ox");
            r.removeAttribute("data-ow");
        }
    }
    function origX(r) { return attrF(r, r.hasAttribute("data-ox") ? "data-ox" : "x"); }
    function origW(r) { return attrF(r, r.hasAttribute("data-ow") ? "data-ow" : "width"); }

    function setParams(change) {
        var p = new URLSearchParams(window.location.search);
        for (var k in change) {
            if (change[k] === null) p.delete(k); else p.set(k, change[k]);
        }
        var q = p.toString();
        try {
            history.replaceState(null, "", window.location.pathname + (q ? "?" + q : "") + window.location.hash);
        } catch (e) { /* some viewers forbid it: the view still works */ }
    }

    function unzoom() {
        var gs = frames.children;
        for (var i = 0; i < gs.length; i++) {
            var g = gs[i];
            g.classList.remove("hide");
            g.classList.remove("parent");
            var r = rectOf(g);
            if (r) restoreOrig(r);
            fitText(g);
        }
        unzoomBtn.classList.add("hide");
        setParams({ x: null, y: null });
    }

    function zoom(target) {
        if (!target) return;
        unzoom();
        var tr = rectOf(target);
        var xmin = attrF(tr, "x"), width = attrF(tr, "width"), ymin = attrF(tr, "y");
        var xmax = xmin + width;
        var full = attrF(svg, "width") - 2 * xpad;
        var ratio = full / width, fudge = 0.0001;
        var gs = frames.children;
        for (var i = 0; i < gs.length; i++) {
            var g = gs[i], r = rectOf(g);
            if (!r) continue;
            var ex = attrF(r, "x"), ew = attrF(r, "width"), ey = attrF(r, "y");
            var upstack = inverted ? ey < ymin : ey > ymin;
            if (upstack) {
                if (ex <= xmin + fudge && ex + ew + fudge >= xmax) {
                    g.classList.add("parent");
                    saveOrig(r);
                    r.setAttribute("x", xpad.toFixed(2));
                    r.setAttribute("width", full.toFixed(2));
                } else {
                    g.classList.add("hide");
                }
            } else if (ex + fudge < xmin || ex + fudge >= xmax) {
                g.classList.add("hide");
            } else {
                saveOrig(r);
                r.setAttribute("x", ((ex - xmin) * ratio + xpad).toFixed(2));
                r.setAttribute("width", (ew * ratio).toFixed(2));
            }
            fitText(g);
        }
        unzoomBtn.classList.remove("hide");
        setParams({ x: tr.getAttribute("data-ox"), y: tr.getAttribute("y") });
    }

    function resetSearch() {
        var gs = frames.children;
        for (var i = 0; i < gs.length; i++) {
            var r = rectOf(gs[i]);
            if (r && r.hasAttribute("data-fill")) {
                r.setAttribute("fill", r.getAttribute("data-fill"));
                r.removeAttribute("data-fill");
            }
        }
        matchedTxt.textContent = " ";
        searchBtn.textContent = "Search";
        currentSearch = null;
        setParams({ s: null });
    }

    function search(term) {
        if (term === null || term === undefined || term === "") { resetSearch(); return; }
        var re;
        try { re = new RegExp(term, ignoreCase ? "i" : ""); } catch (e) {
            matchedTxt.textContent = "Bad regex: " + e.message;
            return;
        }
        resetSearch();
        var hits = [];
        var gs = frames.children;
        for (var i = 0; i < gs.length; i++) {
            var g = gs[i], r = rectOf(g);
            if (!r || g.hasAttribute("data-root")) continue;
            if (re.test(nameOf(g))) {
                r.setAttribute("data-fill", r.getAttribute("fill"));
                r.setAttribute("fill", searchColor);
                // frames set aside (a diff's stacks only in the other side) are
                // highlighted but outside the total the share is of
                if (!g.hasAttribute("data-aside"))
                    hits.push({ x: origX(r), w: origW(r), n: parseFloat(g.getAttribute("data-n")) || 0 });
            }
        }
        // Nested matches (a match inside a match) must not count twice.  x and
        // width are rounded to 0.01 px, so a frame that starts within 0.02 px
        // of the previous match's end is its neighbour, not its child.
        hits.sort(function (a, b) { return a.x - b.x || b.w - a.w; });
        var sum = 0, end = -1;
        for (var j = 0; j < hits.length; j++) {
            if (hits[j].x >= end - 0.02) {
                sum += hits[j].n;
                end = hits[j].x + hits[j].w;
            }
        }
        var pct = total > 0 ? (100 * sum / total) : 0;
        matchedTxt.textContent = "Matched: " + pct.toFixed(2) + "%" + (ignoreCase ? ", ignoring case" : "");
        matchedTxt.setAttribute("data-matched-samples", String(sum));
        matchedTxt.setAttribute("data-matched-frames", String(hits.length));
        searchBtn.textContent = "Reset Search";
        currentSearch = term;
        setParams({ s: term });
    }

    // "ic": case-insensitive search, as flamegraph.pl's toggle (also Ctrl-I, ?i=1)
    function toggleIgnoreCase(on) {
        ignoreCase = on === undefined ? !ignoreCase : !!on;
        if (icBtn) {
            if (ignoreCase) icBtn.classList.add("show"); else icBtn.classList.remove("show");
        }
        setParams({ i: ignoreCase ? "1" : null });
        if (currentSearch !== null) search(currentSearch);
    }

    function askSearch() {
        if (currentSearch !== null) { resetSearch(); return; }
        var term = window.prompt("Search for (regular expression, e.g. ^syscall\\.):", "");
        if (term !== null) search(term);
    }

    function init() {
        frames = document.getElementById("frames");
        details = document.getElementById("details");
        unzoomBtn = document.getElementById("unzoom");
        searchBtn = document.getElementById("search");
        icBtn = document.getElementById("ignorecase");
        matchedTxt = document.getElementById("matched");
        xpad = num("data-xpad", 10);
        fontsize = num("data-fontsize", 12);
        fontwidth = num("data-fontwidth", 0.59);
        inverted = num("data-inverted", 0) === 1;
        total = num("data-total", 0);
        nametype = svg.getAttribute("data-nametype") || "";

        frames.addEventListener("mouseover", function (e) {
            var g = frameOf(e.target);
            if (g) details.textContent = nametype + " " + titleOf(g);
        });
        frames.addEventListener("mouseout", function () { details.textContent = " "; });
        svg.addEventListener("click", function (e) {
            var g = frameOf(e.target);
            if (g) {
                if (g.classList.contains("parent") && g.hasAttribute("data-root")) unzoom();
                else zoom(g);
            } else if (e.target === unzoomBtn) {
                unzoom();
            } else if (e.target === searchBtn) {
                askSearch();
            } else if (icBtn && e.target === icBtn) {
                toggleIgnoreCase();
            }
        });
        window.addEventListener("keydown", function (e) {
            if ((e.ctrlKey || e.metaKey) && (e.key === "f" || e.key === "F")) {
                e.preventDefault();
                askSearch();
            } else if (e.ctrlKey && (e.key === "i" || e.key === "I")) {
                e.preventDefault();
                toggleIgnoreCase();
            } else if (e.key === "Escape") {
                resetSearch();
                unzoom();
            }
        });

        var p = new URLSearchParams(window.location.search);
        var px = p.get("x"), py = p.get("y");
        if (px !== null && py !== null) {
            var gs = frames.children;
            for (var i = 0; i < gs.length; i++) {
                var r = rectOf(gs[i]);
                if (r && r.getAttribute("x") === px && r.getAttribute("y") === py) {
                    zoom(gs[i]);
                    break;
                }
            }
        }
        if (p.get("i") === "1") toggleIgnoreCase(true);
        if (p.get("s")) search(p.get("s"));
        // Public hooks for tests and embedding pages.
        window.sysflame = { zoom: zoom, unzoom: unzoom, search: search, resetSearch: resetSearch,
                            ignoreCase: toggleIgnoreCase };
        svg.setAttribute("data-sf-ready", "1");

        // Opened on its own, a graph taller than the window would start on
        // its empty top while the roots are at the bottom: start at the
        // bottom (icicle graphs, roots on top, stay as they are).  A page
        // that embeds the SVG inline places it itself.
        if (!inverted && document.documentElement === svg) {
            var toBottom = function () {
                var h = svg.getBoundingClientRect().height;
                if (window.innerHeight && h > window.innerHeight)
                    window.scrollTo(window.scrollX, h - window.innerHeight);
            };
            toBottom();
            window.addEventListener("load", toBottom);
        }
    }

    init();
})();
