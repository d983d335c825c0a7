(function () {
  "use strict";
  function cellKey(row, index, numeric) {
    var cell = row.children[index];
    if (!cell) { return null; }
    var raw = cell.getAttribute("data-v");
    if (raw === null) { raw = cell.textContent; }
    if (numeric) {
      if (raw === "") { return null; }
      var v = parseFloat(raw);
      return isNaN(v) ? null : v;
    }
    return raw.toLowerCase();
  }
  function sortTable(table, th) {
    var index = Array.prototype.indexOf.call(th.parentNode.children, th);
    var numeric = th.getAttribute("data-type") === "num";
    var current = th.getAttribute("aria-sort");
    var dir;
    if (current === "descending") { dir = "ascending"; }
    else if (current === "ascending") { dir = "descending"; }
    else { dir = numeric ? "descending" : "ascending"; }
    var body = table.tBodies[0];
    var rows = Array.prototype.slice.call(body.rows);
    var keyed = rows.map(function (row, i) { return [cellKey(row, index, numeric), i, row]; });
    keyed.sort(function (a, b) {
      if (a[0] === null && b[0] === null) { return a[1] - b[1]; }
      if (a[0] === null) { return 1; }
      if (b[0] === null) { return -1; }
      if (a[0] < b[0]) { return dir === "ascending" ? -1 : 1; }
      if (a[0] > b[0]) { return dir === "ascending" ? 1 : -1; }
      return a[1] - b[1];
    });
    keyed.forEach(function (k) { body.appendChild(k[2]); });
    Array.prototype.forEach.call(th.parentNode.children, function (other) {
      other.removeAttribute("aria-sort");
    });
    th.setAttribute("aria-sort", dir);
  }
  Array.prototype.forEach.call(document.querySelectorAll("table.sortable"), function (table) {
    Array.prototype.forEach.call(table.tHead.rows[0].cells, function (th) {
      th.tabIndex = 0;
      th.addEventListener("click", function () { sortTable(table, th); });
      th.addEventListener("keydown", function (e) {
        if (e.key === "Enter" || e.key === " ") { e.preventDefault(); sortTable(table, th); }
      });
    });
  });
  var filter = document.getElementById("trace-filter");
  if (filter) {
    filter.addEventListener("change", function () {
      var want = filter.value;
      Array.prototype.forEach.call(document.querySelectorAll("details.trace"), function (d) {
        d.classList.toggle("hidden", want !== "" && d.getAttribute("data-game") !== want);
      });
    });
  }
  var query = new URLSearchParams(window.location.search);
  var key = query.get("sort");
  if (key) {
    var ths = document.querySelectorAll("table.sortable th[data-key]");
    for (var i = 0; i < ths.length; i++) {
      if (ths[i].getAttribute("data-key") === key) {
        ths[i].click();
        var want = query.get("dir") === "asc" ? "ascending" : "descending";
        if (query.get("dir") && ths[i].getAttribute("aria-sort") !== want) { ths[i].click(); }
        break;
      }
    }
  }
})();
