(function () {
  "use strict";
  // Click a column header to sort its table (numbers numerically, NA last).
  document.querySelectorAll("table.sortable th").forEach(function (th) {
    th.addEventListener("click", function () {
      var body = th.closest("table").tBodies[0];
      var index = Array.prototype.indexOf.call(th.parentNode.children, th);
      var ascending = th.dataset.order !== "asc";
      th.parentNode.querySelectorAll("th").forEach(function (h) { delete h.dataset.order; });
      th.dataset.order = ascending ? "asc" : "desc";
      var key = function (row) {
        var text = row.cells[index].textContent.trim();
        var n = parseFloat(text);
        return isNaN(n) ? text : n;
      };
      var rows = Array.prototype.slice.call(body.rows);
      rows.sort(function (a, b) {
        var x = key(a), y = key(b), c;
        if (typeof x === typeof y) { c = x < y ? -1 : x > y ? 1 : 0; } else { c = typeof x === "number" ? -1 : 1; }
        return ascending ? c : -c;
      });
      rows.forEach(function (r) { body.appendChild(r); });
    });
  });

  // The page checks that it rendered: every logo the generator wrote is laid out with a size,
  // no chart is empty, no script failed. The verdict goes into body[data-check], which a
  // headless browser (the tests) reads from the DOM, and is shown to the reader if it fails.
  var problems = (window.tfbindErrors || []).slice();
  var expected = Number(document.body.dataset.expectedLogos || 0);
  var logos = document.querySelectorAll("svg.logo");
  if (logos.length !== expected) { problems.push("expected " + expected + " logos, found " + logos.length); }
  document.querySelectorAll("svg:not(.defs)").forEach(function (svg) {
    var box = svg.getBoundingClientRect();
    var title = svg.querySelector("title");
    if (!(box.width > 0 && box.height > 0)) { problems.push("not laid out: " + (title ? title.textContent : "an image")); }
  });
  var walker = document.createTreeWalker(document.body, NodeFilter.SHOW_TEXT, {
    acceptNode: function (node) {
      return node.parentNode.closest("script, style") ? NodeFilter.FILTER_REJECT : NodeFilter.FILTER_ACCEPT;
    }
  });
  while (walker.nextNode()) {
    if (/\bNaN\b/.test(walker.currentNode.nodeValue)) { problems.push("NaN in the page"); break; }
  }
  document.body.dataset.check = problems.length ? "failed: " + problems.join("; ") : "ok";
  if (problems.length) {
    console.error("report check failed: " + problems.join("; "));
    var p = document.getElementById("check");
    p.textContent = "This page did not render completely: " + problems.join("; ");
    p.hidden = false;
  }
})();
