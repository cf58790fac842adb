// sysflame report page: sortable tables and one search box for every
// embedded flame graph.  Static code: it reads the page, never generated
// values; the graphs are separate documents, searched through their own
// ?s= parameter, so this works from file:// without any cross-frame access.
(function () {
    "use strict";
    var root = document.documentElement;
    root.setAttribute("data-report-error", "");
    window.addEventListener("error", function (e) {
        root.setAttribute("data-report-error", String(e.message || "error"));
    });

    function cellValue(td, numeric) {
        var t = td ? td.textContent.trim() : "";
        if (!numeric) return t.toLowerCase();
        if (t === "new") return Infinity;
        if (t === "gone") return -Infinity;
        var v = parseFloat(t.replace(/[,%+]/g, "").replace(/^\u2212/, "-"));
        return isNaN(v) ? -Infinity : v;
    }

    function sortBy(table, th, col) {
        var numeric = th.classList.contains("num");
        // numbers start largest first, names A to Z
        var asc = th.getAttribute("aria-sort") ? th.getAttribute("aria-sort") !== "ascending" : !numeric;
        var ths = table.tHead.rows[0].cells;
        for (var i = 0; i < ths.length; i++) ths[i].removeAttribute("aria-sort");
        th.setAttribute("aria-sort", asc ? "ascending" : "descending");
        var body = table.tBodies[0], rows = Array.prototype.slice.call(body.rows);
        rows.forEach(function (r, i) { r.setAttribute("data-i", String(i)); });
        rows.sort(function (a, b) {
            var x = cellValue(a.cells[col], numeric), y = cellValue(b.cells[col], numeric);
            var d = x < y ? -1 : x > y ? 1 : 0;
            if (!asc) d = -d;
            return d || (+a.getAttribute("data-i") - +b.getAttribute("data-i"));
        });
        rows.forEach(function (r) { body.appendChild(r); });
    }

    var tables = document.querySelectorAll("table.sortable");
    Array.prototype.forEach.call(tables, function (table) {
        if (!table.tHead || !table.tBodies.length) return;
        var ths = table.tHead.rows[0].cells;
        Array.prototype.forEach.call(ths, function (th, col) {
            th.tabIndex = 0;
            th.title = "sort by this column";
            th.addEventListener("click", function () { sortBy(table, th, col); });
            th.addEventListener("keydown", function (e) {
                if (e.key === "Enter" || e.key === " ") { e.preventDefault(); sortBy(table, th, col); }
            });
        });
    });

    // Flame graphs grow upwards: show a tall one from the bottom (its roots),
    // once it has loaded (it may have before this script ran: window load
    // comes after every object's).
    function toBottom(o) {
        var box = o.parentNode;
        if (box && box.classList.contains("gbox")) box.scrollTop = box.scrollHeight;
    }
    var objects = document.querySelectorAll("object.flame");
    Array.prototype.forEach.call(objects, function (o) {
        o.addEventListener("load", function () { toBottom(o); });
    });
    window.addEventListener("load", function () {
        Array.prototype.forEach.call(objects, toBottom);
    });

    // One search for every graph: reload each with ?s=REGEX (the viewer
    // highlights matches and reports the matched share itself).
    var form = document.getElementById("find");
    function searchAll(term) {
        var objs = document.querySelectorAll("object.flame");
        Array.prototype.forEach.call(objs, function (o) {
            var src = o.getAttribute("data-src");
            var url = term ? src + "?s=" + encodeURIComponent(term) : src;
            if (o.getAttribute("data") !== url) o.setAttribute("data", url);
        });
        root.setAttribute("data-searched", term || "");
    }
    if (form) {
        form.hidden = false;
        form.addEventListener("submit", function (e) {
            e.preventDefault();
            searchAll(form.elements.s.value);
        });
        form.addEventListener("reset", function () { searchAll(""); });
        var q = new URLSearchParams(window.location.search).get("s");
        if (q) { form.elements.s.value = q; searchAll(q); }
    }
    window.sysflameReport = { search: searchAll, sort: sortBy };
    root.setAttribute("data-report-ready", "1");
})();
