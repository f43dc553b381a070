// Starts the grid page's first two reads (the tables, and the first rows
// with their count) before the grid's code is parsed, so that both wait at
// once; static/grid.js takes their answers. The same REST calls as any
// client's.
"use strict";
(function () {
  const g = document.getElementById("grid");
  if (!g || !g.dataset.table) return;
  const base = "/api/docs/" + encodeURIComponent(g.dataset.doc);
  const get = (p) => fetch(base + p, { credentials: "same-origin" });
  window.rowhouseGridBoot = {
    tables: get("/tables?expand=column"),
    first: get("/tables/" + encodeURIComponent(g.dataset.table) + "/records?limit=100&count=1"),
  };
})();
