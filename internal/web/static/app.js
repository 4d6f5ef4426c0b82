// Clientele's dashboard: sorting and paging of tables, and the values of
// chart points on hover and focus. Hand-written, no library; every page
// works without it (tables show every row, charts keep their data table).
"use strict";

(function () {
  function plain(td) {
    return td.dataset.plain !== undefined ? td.dataset.plain : td.textContent;
  }

  // Paging: tables with data-page-size show that many rows at a time.
  function pager(table) {
    var size = parseInt(table.dataset.pageSize || "0", 10);
    var nav = table.parentElement.nextElementSibling;
    if (!size || !nav || !nav.classList.contains("pager")) return function () {};
    var page = 0;
    var prev = nav.querySelector("[data-prev]");
    var next = nav.querySelector("[data-next]");
    var status = nav.querySelector("[data-status]");
    function show() {
      var rows = table.tBodies[0].rows;
      var pages = Math.max(1, Math.ceil(rows.length / size));
      page = Math.min(page, pages - 1);
      for (var i = 0; i < rows.length; i++) {
        rows[i].hidden = Math.floor(i / size) !== page;
      }
      prev.disabled = page === 0;
      next.disabled = page >= pages - 1;
      status.textContent = status.dataset.format.replace("%d", page + 1).replace("%d", pages);
      nav.hidden = pages < 2;
    }
    prev.addEventListener("click", function () { page--; show(); });
    next.addEventListener("click", function () { page++; show(); });
    show();
    return function () { page = 0; show(); };
  }

  // Sorting: a click (or Enter) on a column's button sorts by it, numbers
  // as numbers; again, the other way.
  function sorter(table, reset) {
    var heads = table.tHead ? table.tHead.rows[0].cells : [];
    Array.prototype.forEach.call(heads, function (th, col) {
      var b = th.querySelector("button.sort");
      if (!b) return;
      b.addEventListener("click", function () {
        var asc = th.getAttribute("aria-sort") !== "ascending";
        Array.prototype.forEach.call(heads, function (h) { h.removeAttribute("aria-sort"); });
        th.setAttribute("aria-sort", asc ? "ascending" : "descending");
        var num = th.classList.contains("num");
        var body = table.tBodies[0];
        var rows = Array.prototype.slice.call(body.rows);
        rows.sort(function (a, b) {
          var x = plain(a.cells[col]), y = plain(b.cells[col]);
          var c;
          if (num) {
            var fx = parseFloat(x), fy = parseFloat(y);
            if (isNaN(fx)) fx = -Infinity;
            if (isNaN(fy)) fy = -Infinity;
            c = fx - fy;
          } else {
            c = x.localeCompare(y, document.documentElement.lang);
          }
          return asc ? c : -c;
        });
        rows.forEach(function (r) { body.appendChild(r); });
        reset();
      });
    });
  }

  document.querySelectorAll("table[data-sortable]").forEach(function (t) {
    sorter(t, pager(t));
  });

  // Tooltips: a chart's figure lists its points in its data table; hovering
  // or focusing a row of that table, or moving over the chart, shows the
  // row's values in the figure's live region.
  document.querySelectorAll("figure[data-chart]").forEach(function (fig) {
    var tip = fig.querySelector("[data-tip]");
    var rows = fig.querySelectorAll("tbody tr");
    var svg = fig.querySelector("svg");
    if (!tip || !rows.length || !svg) return;
    function say(row) {
      var head = fig.querySelectorAll("thead th");
      var parts = [];
      Array.prototype.forEach.call(row.cells, function (td, i) {
        parts.push((head[i] ? head[i].textContent.trim() : "") + ": " + td.textContent.trim());
      });
      tip.textContent = parts.join(" · ");
    }
    svg.addEventListener("mousemove", function (e) {
      var box = svg.getBoundingClientRect();
      var x = (e.clientX - box.left) / box.width;
      var i = Math.min(rows.length - 1, Math.max(0, Math.floor(x * rows.length)));
      say(rows[i]);
    });
    svg.addEventListener("mouseleave", function () { tip.textContent = ""; });
    rows.forEach(function (r) {
      r.tabIndex = 0;
      r.addEventListener("focus", function () { say(r); });
      r.addEventListener("mouseenter", function () { say(r); });
    });
  });

  // Filters: an input with data-filter hides the rows of the table it
  // names that do not contain its text.
  document.querySelectorAll("input[data-filter]").forEach(function (input) {
    var table = document.getElementById(input.dataset.filter);
    if (!table) return;
    input.addEventListener("input", function () {
      var q = input.value.toLowerCase();
      Array.prototype.forEach.call(table.tBodies[0].rows, function (r) {
        r.hidden = q !== "" && r.textContent.toLowerCase().indexOf(q) < 0;
      });
    });
  });
})();
