// The data grid of a document's table, on SlickGrid (vendored).
//
// Everything here goes through the public REST API that every client uses:
// the page carries no records. Rows are read in blocks: a block next to one
// already read is fetched by cursor (starting_after / ending_before), any
// other by offset, the REST extension made for a scrollbar that jumps to the
// middle of a million rows. Writes are ordinary REST writes with the
// session's CSRF token (X-CSRF-Token), so access rules, webhooks and the
// change feed apply as for any client; the change feed (/changes, from the
// sequence number the page was made at) brings other people's changes.
//
// A value that does not fit its column is stored as given by the server and
// shown here marked invalid, never dropped; a refused write reverts its
// cells and shows the server's message on the first of them.
//
// No inline scripts or eval: the pages' Content-Security-Policy forbids them.
"use strict";
(function () {
  const root = document.getElementById("grid");
  if (!root || !window.Slick) return;
  const cfg = {
    doc: root.dataset.doc,
    table: root.dataset.table,
    csrf: root.dataset.csrf,
    seq: root.dataset.seq,
    canEdit: root.dataset.canEdit === "true",
    canSchema: root.dataset.canSchema === "true",
  };
  const base = "/api/docs/" + encodeURIComponent(cfg.doc);
  const tablePath = () => base + "/tables/" + encodeURIComponent(cfg.table);
  // BLOCK rows are read at a time; at most MAX_BLOCKS stay in memory.
  const BLOCK = 100;
  const MAX_BLOCKS = 60;

  // ---- small helpers

  const $ = (sel) => document.querySelector(sel);
  const esc = (s) => String(s).replace(/[&<>"']/g, (c) => ({ "&": "&amp;", "<": "&lt;", ">": "&gt;", '"': "&quot;", "'": "&#39;" })[c]);
  function el(tag, attrs, ...children) {
    const e = document.createElement(tag);
    for (const [k, v] of Object.entries(attrs || {})) {
      if (v === undefined || v === null || v === false) continue;
      if (k === "class") e.className = v;
      else if (k === "text") e.textContent = v;
      else if (k.startsWith("on")) e.addEventListener(k.slice(2), v);
      else e.setAttribute(k, v === true ? "" : v);
    }
    for (const c of children) if (c !== null && c !== undefined) e.append(c);
    return e;
  }

  // pending counts requests in flight and timers set, so that tests and
  // the measurements can wait for a quiet grid (window.rowhouseGrid.idle).
  let pending = 0;
  function later(fn, ms) {
    pending++;
    return setTimeout(() => { pending--; fn(); }, ms);
  }
  function cancel(t) {
    if (t) { clearTimeout(t); pending--; }
    return null;
  }

  // api calls the REST API as the signed-in user; it resolves with the
  // decoded answer and rejects with the server's message.
  async function api(method, path, body, opts) {
    const headers = { "X-CSRF-Token": cfg.csrf };
    let payload = body;
    if (body !== undefined && !(body instanceof FormData)) {
      headers["Content-Type"] = "application/json";
      payload = JSON.stringify(body);
    }
    pending++;
    try {
      // opts.started: the same request, already sent (static/grid-boot.js).
      const res = await ((opts && opts.started) || fetch(path, { method, headers, body: payload, credentials: "same-origin", signal: opts && opts.signal }));
      const text = await res.text();
      let data = null;
      try { data = text ? JSON.parse(text) : null; } catch (_) { data = null; }
      if (!res.ok) {
        const msg = (data && data.details && data.details.userError) || (data && data.error) || res.status + " " + res.statusText;
        const err = new Error(msg);
        err.status = res.status;
        throw err;
      }
      return data;
    } finally {
      pending--;
    }
  }
  const query = (params) => Object.entries(params).filter(([, v]) => v !== undefined && v !== "" && v !== null)
    .map(([k, v]) => encodeURIComponent(k) + "=" + encodeURIComponent(v)).join("&");

  let statusTimer = null;
  function status(msg, isError) {
    const s = $("#status");
    if (!s) return;
    s.textContent = msg;
    s.className = isError ? "err" : "";
    clearTimeout(statusTimer);
    if (!isError) statusTimer = setTimeout(() => { s.textContent = ""; }, 4000);
  }

  // ---- column types and values

  // colType splits "DateTime:Europe/Paris" or "Ref:People".
  function colType(t) {
    const i = t.indexOf(":");
    const kind = i < 0 ? t : t.slice(0, i);
    const arg = i < 0 ? "" : t.slice(i + 1);
    return { kind, table: kind === "Ref" || kind === "RefList" ? arg : "", tz: kind === "DateTime" ? arg : "" };
  }
  const isList = (v, item) => Array.isArray(v) && v[0] === "L" && v.slice(1).every(item);
  const isID = (x) => Number.isInteger(x) && x >= 0;
  // fits tells whether a value read back is of its column's type; one that
  // is not was stored as given (Grist's "invalid" cell).
  function fits(kind, v) {
    if (v === null || v === undefined) return true;
    switch (kind) {
      case "Text": case "Choice": return typeof v === "string";
      case "Numeric": case "Date": case "DateTime": return typeof v === "number";
      case "Int": case "Ref": return Number.isInteger(v);
      case "Bool": return typeof v === "boolean";
      case "ChoiceList": return isList(v, (x) => typeof x === "string");
      case "RefList": case "Attachments": return isList(v, isID);
    }
    return true;
  }
  const dtFormats = new Map();
  function dtFormat(tz) {
    let f = dtFormats.get(tz);
    if (!f) {
      const o = { year: "numeric", month: "2-digit", day: "2-digit", hour: "2-digit", minute: "2-digit", hourCycle: "h23" };
      try { f = new Intl.DateTimeFormat("sv-SE", Object.assign({ timeZone: tz || "UTC" }, o)); } catch (_) { f = new Intl.DateTimeFormat("sv-SE", Object.assign({ timeZone: "UTC" }, o)); }
      dtFormats.set(tz, f);
    }
    return f;
  }
  const dateText = (sec) => new Date(sec * 1000).toISOString().slice(0, 10);
  const dateTimeText = (sec, tz) => dtFormat(tz).format(new Date(sec * 1000));
  const rawText = (v) => (typeof v === "string" ? v : JSON.stringify(v));

  // text shows a valid cell value as text (also what a copy puts on the
  // clipboard); Ref cells show the target's display column.
  function text(col, v) {
    if (v === null || v === undefined) return "";
    if (!fits(col.kind, v)) return rawText(v);
    switch (col.kind) {
      case "Date": return dateText(v);
      case "DateTime": return dateTimeText(v, col.tz);
      case "Bool": return v ? "true" : "false";
      case "Ref": return v === 0 ? "" : refs.label(col.table, v);
      case "RefList": return v.slice(1).map((id) => refs.label(col.table, id)).join(", ");
      case "ChoiceList": return v.slice(1).join(", ");
      case "Attachments": return v.slice(1).map((id) => files.name(id)).join(", ");
      case "Any": return typeof v === "string" ? v : JSON.stringify(v);
    }
    return String(v);
  }

  // ---- the document's tables, and display values of references

  let tables = []; // [{id, columns: [{id, fields}]}]
  let table = null; // the shown one
  const tableByID = (id) => tables.find((t) => t.id === id);
  // displayCol is the column that stands for a record of a table in Ref
  // cells and pickers: its first Text or Choice column (Grist's visible
  // column is not stored here).
  function displayCol(tableID) {
    const t = tableByID(tableID);
    if (!t) return null;
    const c = t.columns.find((c) => { const k = colType(c.fields.type).kind; return k === "Text" || k === "Choice"; });
    return c ? c.id : null;
  }

  // refs caches the display value of referenced records, read in batches
  // by id as cells need them.
  const refs = {
    labels: new Map(), // table -> Map(id -> text or undefined while loading)
    wanted: new Map(), // table -> Set(id)
    timer: null,
    label(tableID, id) {
      const m = this.labels.get(tableID);
      if (m && m.has(id)) {
        const l = m.get(id);
        return l === undefined ? "…" : l === null ? "#" + id : l;
      }
      this.want(tableID, id);
      return "…";
    },
    missing(tableID, id) {
      const m = this.labels.get(tableID);
      return !!m && m.has(id) && m.get(id) === null;
    },
    want(tableID, id) {
      if (!this.labels.has(tableID)) this.labels.set(tableID, new Map());
      this.labels.get(tableID).set(id, undefined);
      if (!this.wanted.has(tableID)) this.wanted.set(tableID, new Set());
      this.wanted.get(tableID).add(id);
      if (!this.timer) this.timer = later(() => { this.timer = null; this.fetch(); }, 20);
    },
    put(tableID, rec) {
      const dc = displayCol(tableID);
      if (!this.labels.has(tableID)) this.labels.set(tableID, new Map());
      this.labels.get(tableID).set(rec.id, dc ? String(rec.fields[dc] ?? "") : "#" + rec.id);
    },
    async fetch() {
      const wanted = this.wanted;
      this.wanted = new Map();
      for (const [tableID, ids] of wanted) {
        const list = [...ids];
        for (let i = 0; i < list.length; i += 500) {
          const chunk = list.slice(i, i + 500);
          try {
            const res = await api("GET", base + "/tables/" + encodeURIComponent(tableID) + "/records?" + query({ filter: JSON.stringify({ id: chunk }) }));
            const m = this.labels.get(tableID);
            for (const id of chunk) m.set(id, null); // not found unless read below
            for (const r of res.records) this.put(tableID, r);
          } catch (e) {
            status("Could not read " + tableID + ": " + e.message, true);
          }
        }
      }
      if (grid) grid.invalidate();
    },
    // search finds records of a table whose display value contains q.
    async search(tableID, q) {
      const dc = displayCol(tableID);
      const p = { limit: 20 };
      if (dc) {
        p.sort = dc;
        if (q) p.filter = dc + "[ilike]:" + JSON.stringify("%" + likeEscape(q) + "%");
      } else if (/^\d+$/.test(q)) {
        p.filter = "id[eq]:" + q;
      }
      const res = await api("GET", base + "/tables/" + encodeURIComponent(tableID) + "/records?" + query(p));
      for (const r of res.records) this.put(tableID, r);
      return res.records.map((r) => ({ id: r.id, label: dc ? String(r.fields[dc] ?? "") : "#" + r.id }));
    },
    // lookup maps display texts to ids (exact matches), for pasted text.
    async lookup(tableID, texts) {
      const dc = displayCol(tableID);
      const out = new Map();
      if (!dc || texts.length === 0) return out;
      const res = await api("GET", base + "/tables/" + encodeURIComponent(tableID) + "/records?" +
        query({ filter: dc + "[in]:[" + texts.map((t) => JSON.stringify(t)).join(",") + "]", limit: 10000 }));
      for (const r of res.records) {
        this.put(tableID, r);
        const k = String(r.fields[dc]);
        if (!out.has(k)) out.set(k, r.id);
      }
      return out;
    },
  };
  const likeEscape = (s) => s.replace(/[\\%_]/g, (c) => "\\" + c);

  // files knows the document's attachments by id.
  const files = {
    meta: new Map(),
    loading: null,
    name(id) {
      const m = this.meta.get(id);
      if (m) return m.fileName;
      this.load();
      return "#" + id;
    },
    load() {
      if (this.loading) return this.loading;
      this.loading = api("GET", base + "/attachments").then((res) => {
        for (const r of res.records) this.meta.set(r.id, r.fields);
        if (grid) grid.invalidate();
      }).catch((e) => status("Could not list attachments: " + e.message, true))
        .finally(() => { later(() => { this.loading = null; }, 2000); });
      return this.loading;
    },
    async upload(fileList) {
      const fd = new FormData();
      for (const f of fileList) fd.append("upload", f, f.name);
      const ids = await api("POST", base + "/attachments", fd);
      ids.forEach((id, i) => this.meta.set(id, { fileName: fileList[i].name, fileSize: fileList[i].size }));
      return ids;
    },
    url: (id) => base + "/attachments/" + id + "/download",
  };

  // ---- rows: blocks read by cursor or offset

  const LOADING = Object.freeze({ __loading: true });
  let count = 0; // rows matching the filter
  let blocks = []; // index -> {rows, start, end, gen, stale}
  let inflight = new Map(); // block index -> AbortController
  let gen = 0; // bumped when the order or filter changes (blocks of another gen are stale)
  let sort = []; // [{col, desc}]
  const filters = {}; // column id -> what was typed
  let filterExpr = "";
  let needCount = true;
  let firstRows = false;

  const data = {
    getLength: () => count,
    getItem(i) {
      const b = blocks[Math.floor(i / BLOCK)];
      return (b && b.rows[i % BLOCK]) || LOADING;
    },
    getItemMetadata(i) {
      if (i >= count) return { cssClasses: "rh-newrow" }; // the row to type a new record into
      const b = blocks[Math.floor(i / BLOCK)];
      return b && b.rows[i % BLOCK] ? null : { cssClasses: "rh-loading" };
    },
  };

  // indexOf finds a loaded row by id, in a map rebuilt after blocks
  // change (positions move when rows come and go).
  let byID = null;
  function indexOf(id) {
    if (!byID) {
      byID = new Map();
      blocks.forEach((b, k) => { if (b) b.rows.forEach((r, j) => byID.set(r.id, k * BLOCK + j)); });
    }
    const i = byID.get(id);
    return i === undefined ? -1 : i;
  }

  const sortParam = () => sort.map((s) => {
    const c = colByID(s.col);
    let key = s.col;
    if (c && c.kind === "Ref") { const dc = displayCol(c.table); if (dc) key = s.col + "." + dc; }
    return (s.desc ? "-" : "") + key;
  }).join(",");

  // fetchBlock reads block k: after the block before it or before the one
  // after it when either is current (a key lookup), else by offset.
  async function fetchBlock(k) {
    const g = gen;
    const p = { limit: BLOCK, sort: sortParam(), filter: filterExpr };
    const prev = blocks[k - 1], next = blocks[k + 1];
    if (k > 0 && prev && !prev.stale && prev.gen === g && prev.end && prev.rows.length === BLOCK) p.starting_after = prev.end;
    else if (next && !next.stale && next.gen === g && next.start) p.ending_before = next.start;
    else if (k > 0) p.offset = k * BLOCK;
    if (needCount) { p.count = 1; needCount = false; }
    const ctl = new AbortController();
    inflight.set(k, ctl);
    let res;
    try {
      res = await api("GET", tablePath() + "/records?" + query(p), undefined, { signal: ctl.signal });
    } catch (e) {
      if (inflight.get(k) === ctl) inflight.delete(k);
      if (e.name === "AbortError") return;
      if (p.count) needCount = true;
      status(e.message, true);
      if (e.status === 400 && filterExpr) markFilterError(e.message);
      return;
    }
    if (inflight.get(k) === ctl) inflight.delete(k);
    if (g !== gen) return;
    const rows = res.records.map((r) => Object.assign({ id: r.id }, r.fields));
    const info = res.pageInfo || {};
    blocks[k] = { rows, start: info.startCursor, end: info.endCursor, gen: g, stale: false };
    byID = null;
    if (res.totalCount !== undefined && res.totalCount !== count) {
      count = res.totalCount;
      grid.updateRowCount();
      showCount();
    } else if (res.totalCount !== undefined) {
      showCount();
    }
    const idx = [];
    for (let i = 0; i < BLOCK; i++) idx.push(k * BLOCK + i);
    grid.invalidateRows(idx);
    grid.render();
    if (!firstRows && rows.length > 0) {
      firstRows = true;
      // First data painted: the next frame is what a person sees.
      requestAnimationFrame(() => performance.mark("rowhouse-grid-rows"));
    }
    evict();
  }

  let ensureTimer = null;
  // ensure reads the blocks the viewport needs (and one either side),
  // once scrolling pauses for a moment; reads of blocks left behind are
  // dropped.
  function ensure(delay) {
    ensureTimer = cancel(ensureTimer);
    ensureTimer = later(() => {
      ensureTimer = null;
      const vp = grid.getViewport();
      const lo = Math.max(0, Math.floor((vp.top - BLOCK / 2) / BLOCK));
      const hi = Math.floor((Math.min(vp.bottom, Math.max(count, 1)) + BLOCK / 2) / BLOCK);
      for (const [k, ctl] of inflight) if (k < lo - 1 || k > hi + 1) { ctl.abort(); inflight.delete(k); }
      if (count === 0 && !needCount && blocks[0]) return;
      for (let k = lo; k <= hi; k++) {
        if (k * BLOCK >= count && k > 0) break;
        const b = blocks[k];
        if ((!b || b.stale || b.gen !== gen) && !inflight.has(k)) fetchBlock(k);
      }
    }, delay === undefined ? 40 : delay);
  }

  function evict() {
    const live = blocks.reduce((n, b) => n + (b ? 1 : 0), 0);
    if (live <= MAX_BLOCKS) return;
    const vp = grid.getViewport();
    const mid = Math.floor((vp.top + vp.bottom) / 2 / BLOCK);
    const far = blocks.map((b, k) => (b ? k : -1)).filter((k) => k >= 0).sort((a, b) => Math.abs(b - mid) - Math.abs(a - mid));
    for (const k of far.slice(0, live - MAX_BLOCKS)) delete blocks[k];
    byID = null;
  }

  // reset starts over after a change of order or filter.
  function reset() {
    gen++;
    for (const ctl of inflight.values()) ctl.abort();
    inflight.clear();
    blocks = [];
    byID = null;
    needCount = true;
    grid.invalidateAllRows();
    grid.render();
    ensure(0);
  }

  let refreshTimer = null;
  // refresh re-reads the count and the shown rows after rows were added or
  // removed (positions moved): the old rows stay on screen until the new
  // ones come.
  function refresh() {
    refreshTimer = cancel(refreshTimer);
    refreshTimer = later(() => {
      refreshTimer = null;
      gen++;
      for (const b of blocks) if (b) b.stale = true;
      for (const ctl of inflight.values()) ctl.abort();
      inflight.clear();
      needCount = true;
      ensure(0);
    }, 60);
  }

  function showCount() {
    const c = $("#count");
    if (c) c.textContent = count.toLocaleString("en-US") + (count === 1 ? " record" : " records") + (filterExpr ? " (filtered)" : "");
  }

  // reread reads rows by id and puts the stored values in place (after a
  // write the server may have parsed what was sent).
  async function reread(ids) {
    if (ids.length === 0) return;
    const res = await api("GET", tablePath() + "/records?" + query({ filter: JSON.stringify({ id: ids }) }));
    for (const r of res.records) putRow(r);
    grid.render();
  }
  function putRow(r) {
    const i = indexOf(r.id);
    if (i < 0) return false;
    const item = data.getItem(i);
    Object.assign(item, r.fields);
    grid.invalidateRow(i);
    return true;
  }

  // ---- the grid's columns

  let grid = null;
  let columnDefs = [];
  const colByID = (id) => columnDefs.find((c) => c.id === id && c.rh) && columnDefs.find((c) => c.id === id).rh;
  const widths = { Numeric: 110, Int: 100, Bool: 70, Date: 110, DateTime: 160, Choice: 130, Ref: 150 };

  function choicesOf(c) {
    try {
      const wo = typeof c.fields.widgetOptions === "string" && c.fields.widgetOptions ? JSON.parse(c.fields.widgetOptions) : c.fields.widgetOptions || {};
      return Array.isArray(wo.choices) ? wo.choices.map(String) : [];
    } catch (_) {
      return [];
    }
  }

  function buildColumns() {
    const rowNum = {
      id: "__row", name: "#", field: "__row", width: 58, resizable: false, sortable: false, selectable: true, focusable: false,
      cssClass: "rh-rownum", headerCssClass: "rh-rownum",
      formatter: (row, cell, v, def, item) => (row >= count ? "+" : item.__loading ? "" : String(row + 1)),
    };
    const defs = [rowNum];
    for (const c of table.columns) {
      const t = colType(c.fields.type);
      // The reverse side of a two-way reference follows the other side:
      // it is shown, never written.
      const reverse = !!c.fields.reverseCol && t.kind === "RefList";
      const rh = { id: c.id, type: c.fields.type, kind: t.kind, table: t.table, tz: t.tz, choices: choicesOf(c), label: c.fields.label || c.id, readOnly: reverse };
      const def = {
        id: c.id, field: c.id, name: esc(rh.label) + ' <span class="rh-type">' + esc(typeLabel(rh)) + "</span>",
        toolTip: c.id + " · " + c.fields.type, width: widths[t.kind] || 180, sortable: true, rh,
        formatter, editor: cfg.canEdit && !reverse ? editorFor(t.kind) : undefined,
      };
      if (cfg.canSchema) {
        def.header = { menu: { commandItems: [
          { command: "sort-asc", title: "Sort A → Z" }, { command: "sort-desc", title: "Sort Z → A" }, "divider",
          { command: "rename", title: "Rename column…" }, { command: "retype", title: "Change type…" },
          { command: "remove", title: "Remove column", cssClass: "rh-danger" },
        ] } };
      } else {
        def.header = { menu: { commandItems: [{ command: "sort-asc", title: "Sort A → Z" }, { command: "sort-desc", title: "Sort Z → A" }] } };
      }
      defs.push(def);
    }
    return defs;
  }
  const typeLabel = (c) => (c.kind === "Ref" || c.kind === "RefList" ? c.kind + "→" + c.table : c.kind === "DateTime" ? "DateTime" : c.kind);

  // formatter draws a cell: invalid values marked (stored as given),
  // Bool as a checkbox, attachments as links.
  function formatter(row, cell, v, def, item) {
    if (item.__loading) return "";
    const c = def.rh;
    if (c.kind === "Bool" && (v === null || v === undefined)) v = false;
    if (v === null || v === undefined) return "";
    if (!fits(c.kind, v)) {
      return { html: esc(rawText(v)), addClasses: "rh-invalid", toolTip: "Not a valid " + c.type + " value: kept as it was given" };
    }
    switch (c.kind) {
      case "Bool":
        return { html: '<span class="rh-check' + (v ? " on" : "") + '" role="checkbox" aria-checked="' + v + '">' + (v ? "✓" : "") + "</span>", addClasses: "rh-bool" };
      case "Numeric": case "Int":
        return { html: esc(String(v)), addClasses: "rh-num" };
      case "Ref":
        if (v === 0) return "";
        if (refs.missing(c.table, v)) return { html: esc("#" + v), addClasses: "rh-invalid", toolTip: "No record " + v + " in " + c.table };
        return esc(refs.label(c.table, v));
      case "Choice":
        return c.choices.length && !c.choices.includes(v) ? { html: '<span class="rh-chip rh-other">' + esc(v) + "</span>", toolTip: "Not one of the column's choices" } :
          v === "" ? "" : '<span class="rh-chip">' + esc(v) + "</span>";
      case "ChoiceList":
        return v.slice(1).map((x) => '<span class="rh-chip' + (c.choices.length && !c.choices.includes(x) ? " rh-other" : "") + '">' + esc(x) + "</span>").join("");
      case "RefList":
        return v.slice(1).map((id) => '<span class="rh-chip">' + esc(refs.label(c.table, id)) + "</span>").join("");
      case "Attachments":
        return v.slice(1).map((id) => '<a class="rh-file" href="' + esc(files.url(id)) + '" target="_blank" rel="noopener">' + esc(files.name(id)) + "</a>").join(" ");
    }
    return esc(text(c, v));
  }

  // ---- editors (SlickGrid's editor interface)

  function editorFor(kind) {
    switch (kind) {
      case "Bool": return undefined; // toggled in place (click, Space, Enter)
      case "Numeric": case "Int": return NumberEditor;
      case "Date": return DateEditor;
      case "DateTime": return DateTimeEditor;
      case "Choice": return ChoiceEditor;
      case "ChoiceList": return ChoiceListEditor;
      case "Ref": return RefEditor;
      case "RefList": return RefListEditor;
      case "Attachments": return AttachmentsEditor;
    }
    return TextEditor;
  }

  // InputEditor edits a cell in a text input: toText shows the stored
  // value, fromText reads what was typed (what does not parse is sent as
  // typed: the server parses it, or keeps it as given).
  class InputEditor {
    constructor(args) {
      this.args = args;
      this.col = args.column.rh;
      this.input = el("input", { class: "rh-editor", type: this.inputType(), "aria-label": this.col.label });
      args.container.replaceChildren(this.input);
      this.input.focus();
    }
    inputType() { return "text"; }
    toText(v) { return v === null || v === undefined ? "" : rawText(v); }
    fromText(s) { return s; }
    destroy() { this.input.remove(); }
    focus() { this.input.focus(); }
    loadValue(item) {
      this.orig = item[this.args.column.field];
      this.input.value = this.toText(this.orig);
      this.origText = this.input.value;
      if (this.input.type === "text") this.input.select();
    }
    serializeValue() { return this.fromText(this.input.value); }
    applyValue(item, state) { item[this.args.column.field] = state; }
    isValueChanged() { return this.input.value !== this.origText; }
    validate() { return { valid: true, msg: null }; }
  }
  class TextEditor extends InputEditor {}
  class NumberEditor extends InputEditor {
    fromText(s) {
      const t = s.trim();
      if (t === "") return null;
      return /^[-+]?(\d+\.?\d*|\.\d+)([eE][-+]?\d+)?$/.test(t) ? Number(t) : s;
    }
  }
  class DateEditor extends InputEditor {
    inputType() { return "date"; }
    loadValue(item) {
      const v = item[this.args.column.field];
      if (v !== null && v !== undefined && !fits("Date", v)) this.input.type = "text"; // a date picker cannot show it
      super.loadValue(item);
    }
    toText(v) { return v === null || v === undefined ? "" : fits("Date", v) ? dateText(v) : rawText(v); }
    fromText(s) {
      const m = /^(\d{4})-(\d{2})-(\d{2})$/.exec(s.trim());
      if (s.trim() === "") return null;
      return m ? Date.UTC(+m[1], +m[2] - 1, +m[3]) / 1000 : s;
    }
  }
  class DateTimeEditor extends InputEditor {
    inputType() { return "datetime-local"; }
    loadValue(item) {
      const v = item[this.args.column.field];
      if (v !== null && v !== undefined && !fits("DateTime", v)) this.input.type = "text";
      super.loadValue(item);
    }
    toText(v) { return v === null || v === undefined ? "" : fits("DateTime", v) ? dateTimeText(v, this.col.tz).replace(" ", "T") : rawText(v); }
    // The wall-clock time goes as typed: the server reads it in the
    // column's time zone.
    fromText(s) { return s.trim() === "" ? null : s; }
  }
  class ChoiceEditor {
    constructor(args) {
      this.args = args;
      this.col = args.column.rh;
      this.select = el("select", { class: "rh-editor", "aria-label": this.col.label });
      args.container.replaceChildren(this.select);
      this.select.addEventListener("change", () => args.commitChanges && args.commitChanges());
      this.keyCaptureList = [38, 40];
      this.select.focus();
    }
    destroy() { this.select.remove(); }
    focus() { this.select.focus(); }
    loadValue(item) {
      this.orig = item[this.args.column.field];
      const opts = ["", ...this.col.choices];
      if (this.orig !== null && this.orig !== undefined && !opts.includes(this.orig)) opts.push(this.orig);
      for (const o of opts) this.select.append(el("option", { value: rawText(o), text: o === "" ? "(empty)" : rawText(o) }));
      this.select.value = this.orig === null || this.orig === undefined ? "" : rawText(this.orig);
      this.origText = this.select.value;
    }
    serializeValue() { return this.select.value; }
    applyValue(item, state) { item[this.args.column.field] = state; }
    isValueChanged() { return this.select.value !== this.origText; }
    validate() { return { valid: true, msg: null }; }
  }

  // Popup holds the part of an editor shown under its cell, on the page
  // (SlickGrid's detached editor: position, hide, show).
  class Popup {
    constructor(args, cls) {
      this.args = args;
      this.box = el("div", { class: "rh-popup " + cls });
      document.body.append(this.box);
      this.position(args.position);
    }
    position(p) {
      if (!p) return;
      this.box.style.top = (p.bottom + window.scrollY + 2) + "px";
      this.box.style.left = (p.left + window.scrollX) + "px";
      this.box.style.minWidth = Math.max(p.width || 0, 180) + "px";
    }
    hide() { this.box.style.display = "none"; }
    show() { this.box.style.display = ""; }
    remove() { this.box.remove(); }
  }

  class ChoiceListEditor {
    constructor(args) {
      this.args = args;
      this.col = args.column.rh;
      this.popup = new Popup(args, "rh-choices");
      this.anchor = el("div", { class: "rh-editor rh-editing", tabindex: "0" });
      args.container.replaceChildren(this.anchor);
      this.keyCaptureList = [38, 40, 32];
    }
    destroy() { this.popup.remove(); this.anchor.remove(); }
    focus() { const f = this.popup.box.querySelector("input"); (f || this.anchor).focus(); }
    position(p) { this.popup.position(p); }
    hide() { this.popup.hide(); }
    show() { this.popup.show(); }
    loadValue(item) {
      this.orig = item[this.args.column.field];
      const have = fits("ChoiceList", this.orig) && this.orig ? this.orig.slice(1) : [];
      const all = [...this.col.choices];
      for (const h of have) if (!all.includes(h)) all.push(h);
      this.boxes = all.map((ch) => {
        const cb = el("input", { type: "checkbox", value: ch });
        cb.checked = have.includes(ch);
        this.popup.box.append(el("label", {}, cb, " " + ch));
        return cb;
      });
      const add = el("input", { type: "text", class: "rh-add", placeholder: "Another value, then Enter" });
      add.addEventListener("keydown", (e) => {
        if (e.key === "Enter" && add.value.trim()) {
          e.stopPropagation(); e.preventDefault();
          const cb = el("input", { type: "checkbox", value: add.value.trim() });
          cb.checked = true;
          this.boxes.push(cb);
          add.before(el("label", {}, cb, " " + add.value.trim()));
          add.value = "";
        }
      });
      this.popup.box.append(add);
      this.popup.box.addEventListener("keydown", (e) => {
        if (e.key === "ArrowDown" || e.key === "ArrowUp") {
          const fs = [...this.popup.box.querySelectorAll("input")];
          const i = fs.indexOf(document.activeElement);
          fs[Math.max(0, Math.min(fs.length - 1, i + (e.key === "ArrowDown" ? 1 : -1)))].focus();
          e.preventDefault();
        } else if (e.key === "Enter") {
          e.preventDefault(); this.args.commitChanges();
        } else if (e.key === "Escape") {
          e.preventDefault(); this.args.cancelChanges();
        }
      });
      this.origText = JSON.stringify(this.serializeValue());
      this.anchor.textContent = have.join(", ");
    }
    serializeValue() {
      const on = this.boxes.filter((b) => b.checked).map((b) => b.value);
      return on.length ? ["L", ...on] : null;
    }
    applyValue(item, state) { item[this.args.column.field] = state; }
    isValueChanged() { return JSON.stringify(this.serializeValue()) !== this.origText; }
    validate() { return { valid: true, msg: null }; }
  }

  // RefEditor picks a record of the target table by searching its display
  // column; text that matches nothing is sent as typed (kept as given).
  class RefEditor {
    constructor(args) {
      this.args = args;
      this.col = args.column.rh;
      this.multi = this.col.kind === "RefList";
      this.chosen = [];
      this.wrap = el("div", { class: "rh-editor rh-ref" });
      this.chips = el("span", { class: "rh-chips" });
      this.input = el("input", { type: "text", "aria-label": this.col.label, placeholder: "Search " + this.col.table });
      this.wrap.append(this.chips, this.input);
      args.container.replaceChildren(this.wrap);
      this.popup = new Popup(args, "rh-results");
      this.results = [];
      this.hi = -1;
      this.keyCaptureList = [38, 40];
      this.input.addEventListener("input", () => this.search());
      this.input.addEventListener("keydown", (e) => this.key(e));
      this.popup.box.addEventListener("mousedown", (e) => {
        const li = e.target.closest("[data-i]");
        if (!li) return;
        e.preventDefault();
        this.pick(+li.dataset.i);
        if (!this.multi) args.commitChanges();
      });
      this.input.focus();
    }
    key(e) {
      if (e.key === "ArrowDown" || e.key === "ArrowUp") {
        this.hi = Math.max(-1, Math.min(this.results.length - 1, this.hi + (e.key === "ArrowDown" ? 1 : -1)));
        this.draw();
        e.preventDefault();
      } else if (e.key === "Enter" && this.hi >= 0) {
        this.pick(this.hi);
        if (this.multi) { e.stopPropagation(); e.preventDefault(); } // keep choosing; Enter on an empty search commits
      } else if (e.key === "Backspace" && this.multi && this.input.value === "" && this.chosen.length) {
        this.chosen.pop();
        this.drawChips();
      }
    }
    pick(i) {
      const r = this.results[i];
      if (!r) return;
      if (this.multi) {
        if (!this.chosen.includes(r.id)) this.chosen.push(r.id);
        this.input.value = "";
        this.results = [];
        this.hi = -1;
        this.drawChips();
        this.draw();
      } else {
        this.choice = r.id;
        this.input.value = r.label;
      }
    }
    search() {
      clearTimeout(this.timer);
      this.choice = undefined;
      const q = this.input.value.trim();
      this.timer = setTimeout(async () => {
        try {
          this.results = await refs.search(this.col.table, q);
        } catch (e) {
          this.results = [];
          status(e.message, true);
        }
        if (this.input.value.trim() !== q) return;
        this.hi = this.results.length ? 0 : -1;
        this.draw();
      }, 120);
    }
    draw() {
      this.popup.box.replaceChildren(...this.results.map((r, i) =>
        el("div", { class: "rh-result" + (i === this.hi ? " on" : ""), "data-i": i, text: r.label || "#" + r.id })));
      if (!this.results.length && this.input.value.trim()) this.popup.box.append(el("div", { class: "rh-none", text: "No match in " + this.col.table }));
    }
    drawChips() {
      this.chips.replaceChildren(...this.chosen.map((id) => el("span", { class: "rh-chip", text: refs.label(this.col.table, id) })));
    }
    destroy() { clearTimeout(this.timer); this.popup.remove(); this.wrap.remove(); }
    focus() { this.input.focus(); }
    position(p) { this.popup.position(p); }
    hide() { this.popup.hide(); }
    show() { this.popup.show(); }
    loadValue(item) {
      this.orig = item[this.args.column.field];
      if (this.multi) {
        this.chosen = fits("RefList", this.orig) && this.orig ? this.orig.slice(1) : [];
        if (!fits("RefList", this.orig)) this.input.value = rawText(this.orig);
        this.drawChips();
      } else if (fits("Ref", this.orig)) {
        this.choice = this.orig || 0;
        this.input.value = this.orig ? refs.label(this.col.table, this.orig) : "";
        this.input.select();
      } else {
        this.input.value = rawText(this.orig);
        this.input.select();
      }
      this.origValue = JSON.stringify(this.orig ?? null);
      this.search();
    }
    serializeValue() {
      const typed = this.input.value.trim();
      if (this.multi) {
        if (typed && !this.chosen.length) return typed; // nothing picked: as typed
        return this.chosen.length ? ["L", ...this.chosen] : null;
      }
      if (this.choice !== undefined) return this.choice;
      if (typed === "") return 0;
      const exact = this.results.find((r) => r.label.toLowerCase() === typed.toLowerCase());
      return exact ? exact.id : typed;
    }
    applyValue(item, state) { item[this.args.column.field] = state; }
    isValueChanged() { return JSON.stringify(this.serializeValue() ?? null) !== this.origValue; }
    validate() { return { valid: true, msg: null }; }
  }
  class RefListEditor extends RefEditor {}

  // AttachmentsEditor lists a cell's files (download links), removes them
  // and uploads more (POST .../attachments, then the cell lists the ids).
  class AttachmentsEditor {
    constructor(args) {
      this.args = args;
      this.col = args.column.rh;
      this.anchor = el("div", { class: "rh-editor rh-editing", tabindex: "0", text: "Files…" });
      args.container.replaceChildren(this.anchor);
      this.popup = new Popup(args, "rh-files");
      this.list = el("ul");
      this.picker = el("input", { type: "file", multiple: true, "aria-label": "Upload files" });
      this.picker.addEventListener("change", () => this.upload());
      this.popup.box.append(this.list, el("label", { class: "rh-upload" }, "Add files: ", this.picker),
        el("div", { class: "rh-buttons" },
          el("button", { type: "button", class: "small", text: "Done", onclick: () => args.commitChanges() }),
          el("button", { type: "button", class: "small danger", text: "Cancel", onclick: () => args.cancelChanges() })));
      this.popup.box.addEventListener("keydown", (e) => {
        if (e.key === "Escape") { e.preventDefault(); args.cancelChanges(); }
        if (e.key === "Enter" && e.target.tagName !== "BUTTON") { e.preventDefault(); args.commitChanges(); }
      });
      this.keyCaptureList = [38, 40];
    }
    async upload() {
      if (!this.picker.files.length) return;
      this.picker.disabled = true;
      try {
        const ids = await files.upload([...this.picker.files]);
        this.ids.push(...ids);
        this.draw();
      } catch (e) {
        status("Upload failed: " + e.message, true);
      } finally {
        this.picker.disabled = false;
        this.picker.value = "";
      }
    }
    draw() {
      this.list.replaceChildren(...this.ids.map((id, i) => el("li", {},
        el("a", { href: files.url(id), target: "_blank", rel: "noopener", text: files.name(id) }), " ",
        el("button", { type: "button", class: "link", "aria-label": "Remove", text: "×", onclick: () => { this.ids.splice(i, 1); this.draw(); } }))));
      if (!this.ids.length) this.list.append(el("li", { class: "hint", text: "No files." }));
    }
    destroy() { this.popup.remove(); this.anchor.remove(); }
    focus() { this.picker.focus(); }
    position(p) { this.popup.position(p); }
    hide() { this.popup.hide(); }
    show() { this.popup.show(); }
    loadValue(item) {
      this.orig = item[this.args.column.field];
      this.ids = fits("Attachments", this.orig) && this.orig ? this.orig.slice(1) : [];
      this.origValue = JSON.stringify(this.serializeValue());
      this.draw();
    }
    serializeValue() { return this.ids.length ? ["L", ...this.ids] : null; }
    applyValue(item, state) { item[this.args.column.field] = state; }
    isValueChanged() { return JSON.stringify(this.serializeValue()) !== this.origValue; }
    validate() { return { valid: true, msg: null }; }
  }

  // ---- writes and undo

  const undoStack = [];
  function pushUndo(label, fn) {
    undoStack.push({ label, fn });
    if (undoStack.length > 50) undoStack.shift();
    const b = $("#undo");
    if (b) { b.disabled = false; b.title = "Undo " + label + " (Ctrl+Z)"; }
  }
  async function undo() {
    const u = undoStack.pop();
    const b = $("#undo");
    if (b) { b.disabled = undoStack.length === 0; b.title = undoStack.length ? "Undo " + undoStack[undoStack.length - 1].label : "Nothing to undo"; }
    if (!u) return;
    try {
      await u.fn();
      status("Undone: " + u.label);
    } catch (e) {
      status("Could not undo " + u.label + ": " + e.message, true);
    }
  }

  // writeCells changes cells: shown at once, sent as PATCH requests (one
  // per set of columns, as the API wants), reverted with the server's
  // message if refused. changes: [{row, id, col, before, after}].
  async function writeCells(changes, label, noUndo) {
    if (!changes.length) return;
    const apply = (key) => {
      for (const ch of changes) {
        const i = indexOf(ch.id);
        if (i >= 0) { data.getItem(i)[ch.col] = ch[key]; grid.invalidateRow(i); }
      }
      grid.render();
    };
    apply("after");
    const groups = new Map();
    const byRow = new Map();
    for (const ch of changes) {
      if (!byRow.has(ch.id)) byRow.set(ch.id, {});
      byRow.get(ch.id)[ch.col] = ch.after;
    }
    for (const [id, fields] of byRow) {
      const sig = Object.keys(fields).sort().join("\u0000");
      if (!groups.has(sig)) groups.set(sig, []);
      groups.get(sig).push({ id, fields });
    }
    try {
      const recs = [...groups.values()];
      if (recs.length === 1) {
        await api("PATCH", tablePath() + "/records", { records: recs[0] });
      } else { // several shapes: one /apply, one transaction
        await api("POST", base + "/apply", recs.map((rs) => {
          const cols = {};
          for (const k of Object.keys(rs[0].fields)) cols[k] = rs.map((r) => r.fields[k]);
          return ["BulkUpdateRecord", cfg.table, rs.map((r) => r.id), cols];
        }));
      }
    } catch (e) {
      apply("before");
      cellError(changes[0], e.message);
      throw e;
    }
    if (!noUndo) {
      pushUndo(label, () => writeCells(changes.map((c) => Object.assign({}, c, { before: c.after, after: c.before })), label, true));
    }
    status("Saved.");
    await reread([...byRow.keys()]).catch(() => {});
  }

  // cellError shows a refused write's message by its cell.
  function cellError(ch, msg) {
    const i = indexOf(ch.id);
    const cell = columnDefs.findIndex((c) => c.id === ch.col);
    status(msg, true);
    let tip = $("#cell-error");
    if (!tip) { tip = el("div", { id: "cell-error", class: "rh-cell-error", role: "alert" }); document.body.append(tip); }
    tip.textContent = msg;
    const node = i >= 0 && cell >= 0 ? grid.getCellNode(i, cell) : null;
    if (node) {
      const r = node.getBoundingClientRect();
      tip.style.top = (r.bottom + window.scrollY + 2) + "px";
      tip.style.left = (r.left + window.scrollX) + "px";
      node.classList.add("rh-failed");
      setTimeout(() => node.classList.remove("rh-failed"), 3000);
    } else {
      tip.style.top = "80px"; tip.style.left = "40%";
    }
    tip.hidden = false;
    clearTimeout(cellError.timer);
    cellError.timer = setTimeout(() => { tip.hidden = true; }, 8000);
  }

  async function addRows(fieldsList, label) {
    const res = await api("POST", tablePath() + "/records", { records: fieldsList.map((f) => ({ fields: f })) });
    const ids = res.records.map((r) => r.id);
    pushUndo(label || "add row", () => removeRows(ids, true));
    return ids;
  }

  // removeRows deletes rows; undo adds them back with their ids and values.
  async function removeRows(ids, noUndo) {
    if (!ids.length) return;
    let saved = null;
    if (!noUndo) saved = (await api("GET", tablePath() + "/records?" + query({ filter: JSON.stringify({ id: ids }) }))).records;
    await api("POST", tablePath() + "/records/delete", ids);
    if (saved && saved.length) {
      const writable = columnDefs.filter((c) => c.rh && !c.rh.readOnly).map((c) => c.id);
      pushUndo(ids.length === 1 ? "delete row" : "delete " + ids.length + " rows", async () => {
        const cols = {};
        for (const k of writable) cols[k] = saved.map((r) => (r.fields[k] === undefined ? null : r.fields[k]));
        await api("POST", base + "/apply", [["BulkAddRecord", cfg.table, saved.map((r) => r.id), cols]]);
        refresh();
      });
    }
    refresh();
  }

  // ---- selection, keyboard, clipboard

  function selectedRanges() {
    const rs = grid.getSelectionModel().getSelectedRanges();
    if (rs.length) return rs;
    const a = grid.getActiveCell();
    return a ? [new Slick.Range(a.row, a.cell, a.row, a.cell)] : [];
  }
  function selectedRowIDs() {
    const ids = new Set();
    for (const r of selectedRanges()) for (let i = r.fromRow; i <= r.toRow; i++) {
      const item = data.getItem(i);
      if (!item.__loading && i < count) ids.add(item.id);
    }
    return [...ids];
  }
  function updateRowButtons() {
    const b = $("#delete-rows");
    if (!b) return;
    const n = selectedRowIDs().length;
    b.disabled = n === 0;
    b.textContent = n > 1 ? "Delete " + n + " rows" : "Delete row";
  }

  const emptyOf = (c) => (c.kind === "Text" || c.kind === "Choice" ? "" : c.kind === "Bool" ? false : c.kind === "Ref" ? 0 : null);

  function clearSelection() {
    const changes = [];
    for (const r of selectedRanges()) for (let i = r.fromRow; i <= r.toRow; i++) {
      const item = data.getItem(i);
      if (item.__loading || i >= count) continue;
      for (let j = Math.max(1, r.fromCell); j <= r.toCell; j++) {
        const c = columnDefs[j].rh;
        if (!c || c.readOnly) continue;
        const v = item[c.id];
        const e = emptyOf(c);
        if (JSON.stringify(v ?? null) !== JSON.stringify(e)) changes.push({ id: item.id, col: c.id, before: v ?? null, after: e });
      }
    }
    writeCells(changes, "clear").catch(() => {});
  }

  function copyText() {
    const r = selectedRanges()[0];
    if (!r) return "";
    const lines = [];
    for (let i = r.fromRow; i <= r.toRow; i++) {
      const item = data.getItem(i);
      const cells = [];
      for (let j = Math.max(1, r.fromCell); j <= r.toCell; j++) {
        const c = columnDefs[j].rh;
        cells.push(tsvField(item.__loading ? "" : text(c, item[c.id])));
      }
      lines.push(cells.join("\t"));
    }
    return lines.join("\n");
  }
  const tsvField = (s) => (/[\t\n"\r]/.test(s) ? '"' + s.replace(/"/g, '""') + '"' : s);
  // parseTSV reads what spreadsheets put on the clipboard: tab-separated,
  // with quoted fields that may hold tabs, newlines and "".
  function parseTSV(s) {
    const rows = [];
    let row = [], field = "", i = 0, quoted = false;
    s = s.replace(/\r\n?/g, "\n");
    if (s.endsWith("\n")) s = s.slice(0, -1);
    while (i < s.length) {
      const ch = s[i];
      if (quoted) {
        if (ch === '"' && s[i + 1] === '"') { field += '"'; i += 2; continue; }
        if (ch === '"') { quoted = false; i++; continue; }
        field += ch; i++; continue;
      }
      if (ch === '"' && field === "") { quoted = true; i++; continue; }
      if (ch === "\t") { row.push(field); field = ""; i++; continue; }
      if (ch === "\n") { row.push(field); rows.push(row); row = []; field = ""; i++; continue; }
      field += ch; i++;
    }
    row.push(field);
    rows.push(row);
    return rows;
  }

  // paste writes a block of text at the selection: into the rows it
  // covers, and as new rows past the last one. Ref cells take the display
  // values of their target's records.
  async function paste(textData) {
    if (!cfg.canEdit) return;
    let block = parseTSV(textData);
    const r = selectedRanges()[0];
    if (!r) return;
    const top = r.fromRow, left = Math.max(1, r.fromCell);
    // One value into a larger selection fills it.
    if (block.length === 1 && block[0].length === 1 && (r.toRow > r.fromRow || r.toCell > r.fromCell)) {
      block = Array.from({ length: r.toRow - r.fromRow + 1 }, () => Array(r.toCell - left + 1).fill(block[0][0]));
    }
    const cols = [];
    for (let j = 0; j < block[0].length && left + j < columnDefs.length; j++) cols.push(columnDefs[left + j].rh);
    // Display values of references, looked up in their tables.
    const lookups = new Map();
    for (const [j, c] of cols.entries()) {
      if (c.kind !== "Ref" && c.kind !== "RefList") continue;
      const texts = new Set();
      for (const row of block) for (const t of (c.kind === "RefList" ? (row[j] || "").split(",") : [row[j] || ""])) if (t.trim()) texts.add(t.trim());
      lookups.set(j, await refs.lookup(c.table, [...texts]).catch(() => new Map()));
    }
    const value = (c, j, t) => {
      if (c.kind === "Ref") { const id = lookups.get(j).get(t.trim()); return t.trim() === "" ? 0 : id !== undefined ? id : t; }
      if (c.kind === "RefList") {
        const parts = t.split(",").map((x) => x.trim()).filter(Boolean);
        const ids = parts.map((x) => lookups.get(j).get(x));
        return parts.length === 0 ? null : ids.every((x) => x !== undefined) ? ["L", ...ids] : t;
      }
      if (c.kind === "Numeric" || c.kind === "Int") return NumberEditor.prototype.fromText(t);
      return t;
    };
    const changes = [], added = [];
    for (const [i, row] of block.entries()) {
      const idx = top + i;
      const fields = {};
      for (const [j, c] of cols.entries()) if (!c.readOnly) fields[c.id] = value(c, j, row[j] ?? "");
      if (idx < count) {
        const item = data.getItem(idx);
        if (item.__loading) { status("Scroll to load the rows to paste into, then paste again.", true); return; }
        for (const [k, v] of Object.entries(fields)) changes.push({ id: item.id, col: k, before: item[k] ?? null, after: v });
      } else {
        added.push(fields);
      }
    }
    try {
      if (changes.length) await writeCells(changes, "paste");
      if (added.length) {
        const ids = await addRows(added, "paste " + added.length + " new rows");
        status("Pasted " + block.length + " rows, " + ids.length + " of them new.");
        refresh();
      }
    } catch (e) {
      status(e.message, true);
    }
  }

  function toggleBool(row, cell) {
    const c = columnDefs[cell] && columnDefs[cell].rh;
    const item = data.getItem(row);
    if (!c || c.kind !== "Bool" || !cfg.canEdit || item.__loading || row >= count) return false;
    const v = item[c.id];
    writeCells([{ id: item.id, col: c.id, before: v ?? null, after: !(v === true) }], "edit").catch(() => {});
    return true;
  }

  // ---- filters (a row of inputs under the headers)

  // filterFor turns what was typed in a column's filter into a REST filter
  // expression: text contains it (equals, for other types); "=x", "!=x",
  // ">x", ">=x", "<x", "<=x"; "a..b" a range; "=" alone is empty, "!="
  // alone is not empty.
  function filterFor(c, raw) {
    const t = raw.trim();
    if (!t) return "";
    const path = (c.kind === "Ref" && displayCol(c.table)) ? c.id + "." + displayCol(c.table) : c.id;
    const textual = c.kind === "Text" || c.kind === "Choice" || (c.kind === "Ref" && path !== c.id);
    const val = (s) => {
      s = s.trim();
      if (c.kind === "Bool") { const l = s.toLowerCase(); return l === "true" || l === "yes" || l === "1" ? "true" : l === "false" || l === "no" || l === "0" ? "false" : JSON.stringify(s); }
      if (!textual && /^[-+]?(\d+\.?\d*|\.\d+)([eE][-+]?\d+)?$/.test(s)) return s;
      return JSON.stringify(s);
    };
    if (t === "=") return c.id + "[is]:NULL";
    if (t === "!=") return c.id + "[is]:NOT_NULL";
    const range = /^(.+?)\.\.(.+)$/.exec(t);
    if (range && !textual) return "and(" + path + "[gte]:" + val(range[1]) + "," + path + "[lte]:" + val(range[2]) + ")";
    const m = /^(>=|<=|!=|=|>|<)\s*(.*)$/.exec(t);
    if (c.kind === "ChoiceList" || c.kind === "RefList" || c.kind === "Attachments") {
      const op = m ? m[1] : "", v = m ? m[2] : t;
      const cond = c.id + "[containsAny]:[" + val(v) + "]";
      return op === "!=" ? "not(" + cond + ")" : cond;
    }
    if (m) return path + "[" + { ">=": "gte", "<=": "lte", "!=": "neq", "=": "eq", ">": "gt", "<": "lt" }[m[1]] + "]:" + val(m[2]);
    if (textual) return path + "[ilike]:" + JSON.stringify("%" + likeEscape(t) + "%");
    return path + "[eq]:" + val(t);
  }
  let filterTimer = null;
  function applyFilters() {
    filterTimer = cancel(filterTimer);
    const parts = [];
    for (const [id, raw] of Object.entries(filters)) {
      const c = colByID(id);
      if (c) { const f = filterFor(c, raw); if (f) parts.push(f); }
    }
    const expr = parts.join(",");
    for (const inp of document.querySelectorAll(".rh-filter")) inp.classList.remove("err");
    if (expr === filterExpr) return;
    filterExpr = expr;
    reset();
  }
  function markFilterError(msg) {
    for (const inp of document.querySelectorAll(".rh-filter")) if (inp.value.trim()) { inp.classList.add("err"); inp.title = msg; }
  }

  // ---- live changes

  let feed = null;
  function follow() {
    const live = $("#live");
    feed = new EventSource(base + "/changes?" + query({ since: cfg.seq }));
    feed.onopen = () => { if (live) { live.className = "on"; live.title = "Following changes live"; } };
    feed.onerror = () => { if (live) { live.className = "off"; live.title = "Reconnecting to the change feed…"; } };
    feed.onmessage = (ev) => {
      let d;
      try { d = JSON.parse(ev.data); } catch (_) { return; }
      change(d);
    };
    feed.addEventListener("error", (ev) => { if (ev.data) status(JSON.parse(ev.data).error, true); });
    // A page left for another must not keep its connection: browsers
    // allow few per server, and a cached page would hold one.
    window.addEventListener("pagehide", () => feed.close());
    window.addEventListener("pageshow", (ev) => { if (ev.persisted) window.location.reload(); });
  }
  let schemaTimer = null;
  function change(d) {
    if (d.action === "schema") {
      schemaTimer = cancel(schemaTimer);
      schemaTimer = later(() => { schemaTimer = null; reloadSchema(d.table); }, 50);
      return;
    }
    // Display values of references to the changed table.
    if (refs.labels.has(d.table)) {
      const m = refs.labels.get(d.table);
      for (const r of d.rows || []) if (m.has(r.id)) { if (d.action === "remove") m.set(r.id, null); else refs.put(d.table, r); }
      grid.invalidate();
    }
    if (d.table !== cfg.table) return;
    if (d.action === "update") {
      let moved = false;
      const watched = new Set([...sort.map((s) => s.col), ...Object.keys(filters).filter((k) => filters[k].trim())]);
      for (const r of d.rows || []) {
        putRow(r);
        if (Object.keys(r.fields || {}).some((k) => watched.has(k))) moved = true;
      }
      grid.render();
      if (moved) refresh();
    } else {
      refresh();
    }
  }

  // ---- schema: tables and columns

  async function loadTables(started) {
    const res = await api("GET", base + "/tables?expand=column", undefined, { started });
    tables = res.tables.map((t) => ({ id: t.id, columns: t.columns || [] }));
    drawTables();
  }
  function drawTables() {
    const ul = $("#table-list");
    if (!ul) return;
    ul.replaceChildren(...tables.map((t) => el("li", {}, el("a", { href: "/doc/" + encodeURIComponent(cfg.doc) + "?table=" + encodeURIComponent(t.id), class: t.id === cfg.table ? "on" : null, text: t.id }))));
    const none = $("#no-tables");
    if (none) none.hidden = tables.length > 0;
  }
  function goTable(id) {
    window.location.href = "/doc/" + encodeURIComponent(cfg.doc) + (id ? "?table=" + encodeURIComponent(id) : "");
  }

  // reloadSchema follows a schema change: the grid's columns, or another
  // table when the shown one was renamed or removed.
  async function reloadSchema(changedTable) {
    const before = tables.map((t) => t.id);
    try { await loadTables(); } catch (e) { status(e.message, true); return; }
    if (!cfg.table) return;
    const t = tableByID(cfg.table);
    if (!t) {
      const renamedTo = changedTable && !before.includes(changedTable) && tableByID(changedTable) ? changedTable : "";
      status(renamedTo ? "The table was renamed to " + renamedTo + "." : "The table was removed.", true);
      if (renamedTo) {
        cfg.table = renamedTo;
        history.replaceState(null, "", "/doc/" + encodeURIComponent(cfg.doc) + "?table=" + encodeURIComponent(renamedTo));
        const name = $("#table-name");
        if (name) name.textContent = renamedTo;
        drawTables();
      } else {
        later(() => goTable(""), 1500);
        return;
      }
    }
    table = tableByID(cfg.table);
    const keep = new Set(table.columns.map((c) => c.id));
    sort = sort.filter((s) => keep.has(s.col));
    for (const k of Object.keys(filters)) if (!keep.has(k)) delete filters[k];
    columnDefs = buildColumns();
    grid.setColumns(columnDefs);
    grid.setSortColumns(sort.map((s) => ({ columnId: s.col, sortAsc: !s.desc })));
    applyFilters();
    reset();
  }

  const types = ["Text", "Numeric", "Int", "Bool", "Date", "DateTime", "Choice", "ChoiceList", "Ref", "RefList", "Attachments", "Any"];

  // ask shows a dialog with fields and resolves with their values, or
  // null when cancelled.
  function ask(title, fields, ok) {
    return new Promise((resolve) => {
      const dlg = $("#dialog");
      const form = el("form", { method: "dialog", class: "stack" });
      form.append(el("h2", { text: title }));
      const inputs = {};
      for (const f of fields) {
        let input;
        if (f.options) {
          input = el("select", { name: f.name });
          for (const o of f.options) input.append(el("option", { value: o, text: o }));
          input.value = f.value || f.options[0];
        } else {
          input = el("input", { name: f.name, value: f.value || "", placeholder: f.placeholder || "", required: f.required });
        }
        inputs[f.name] = input;
        const label = el("label", { "data-field": f.name }, f.label, input);
        if (f.hint) label.append(el("span", { class: "hint", text: f.hint }));
        form.append(label);
      }
      const sync = () => {
        for (const f of fields) if (f.showIf) form.querySelector('[data-field="' + f.name + '"]').hidden = !f.showIf(inputs);
      };
      for (const i of Object.values(inputs)) i.addEventListener("change", sync);
      sync();
      form.append(el("div", { class: "rh-buttons" },
        el("button", { type: "submit", value: "ok", text: ok || "OK" }),
        el("button", { type: "button", class: "danger", value: "cancel", text: "Cancel", onclick: () => dlg.close("cancel") })));
      dlg.replaceChildren(form);
      dlg.onclose = () => {
        if (dlg.returnValue !== "ok") return resolve(null);
        const out = {};
        for (const [k, i] of Object.entries(inputs)) out[k] = i.value.trim();
        resolve(out);
      };
      dlg.returnValue = "";
      dlg.showModal();
      const first = form.querySelector("input, select");
      if (first) first.focus();
    });
  }

  // typeFields are the dialog fields for a column type and its settings.
  function typeFields(c) {
    const tz = (() => { try { return Intl.DateTimeFormat().resolvedOptions().timeZone || "UTC"; } catch (_) { return "UTC"; } })();
    return [
      { name: "type", label: "Type", options: types, value: c ? c.kind : "Text" },
      { name: "choices", label: "Choices", placeholder: "a, b, c", value: c ? c.choices.join(", ") : "", hint: "comma-separated",
        showIf: (i) => i.type.value === "Choice" || i.type.value === "ChoiceList" },
      { name: "target", label: "Refers to table", options: tables.map((t) => t.id), value: c ? c.table : cfg.table,
        showIf: (i) => i.type.value === "Ref" || i.type.value === "RefList" },
      { name: "tz", label: "Time zone", value: c && c.tz ? c.tz : tz, showIf: (i) => i.type.value === "DateTime" },
    ];
  }
  function typeSpec(v) {
    const fields = { type: v.type };
    if (v.type === "Ref" || v.type === "RefList") fields.type = v.type + ":" + v.target;
    if (v.type === "DateTime") fields.type = "DateTime:" + (v.tz || "UTC");
    if (v.type === "Choice" || v.type === "ChoiceList") {
      fields.widgetOptions = JSON.stringify({ choices: v.choices.split(",").map((s) => s.trim()).filter(Boolean) });
    }
    return fields;
  }

  async function schemaAction(fn, done) {
    try {
      await fn();
      if (done) status(done);
    } catch (e) {
      status(e.message, true);
    }
  }

  async function addColumn() {
    const v = await ask("Add a column", [{ name: "name", label: "Name", required: true }, ...typeFields(null)], "Add column");
    if (!v) return;
    await schemaAction(async () => {
      const res = await api("POST", tablePath() + "/columns", { columns: [{ id: v.name, fields: Object.assign({ label: v.name }, typeSpec(v)) }] });
      const id = res.columns[0].id;
      pushUndo("add column " + id, () => api("DELETE", tablePath() + "/columns/" + encodeURIComponent(id)));
    }, "Column added.");
  }
  async function columnCommand(command, def) {
    const c = def.rh;
    if (command === "sort-asc" || command === "sort-desc") {
      sort = [{ col: c.id, desc: command === "sort-desc" }];
      grid.setSortColumns([{ columnId: c.id, sortAsc: command === "sort-asc" }]);
      reset();
      return;
    }
    if (command === "rename") {
      const v = await ask("Rename column " + c.id, [{ name: "name", label: "New name", value: c.label, required: true }], "Rename");
      if (!v || !v.name) return;
      await schemaAction(async () => {
        await api("PATCH", tablePath() + "/columns", { columns: [{ id: c.id, fields: { colId: v.name, label: v.name } }] });
        const t = (await api("GET", tablePath() + "/columns")).columns.find((x) => x.fields.label === v.name);
        const newID = t ? t.id : v.name;
        pushUndo("rename column", () => api("PATCH", tablePath() + "/columns", { columns: [{ id: newID, fields: { colId: c.id, label: c.label } }] }));
      }, "Column renamed.");
    } else if (command === "retype") {
      const v = await ask("Change the type of " + c.id, typeFields(c), "Change type");
      if (!v) return;
      await schemaAction(() => api("PATCH", tablePath() + "/columns", { columns: [{ id: c.id, fields: typeSpec(v) }] }), "Type changed: values that do not fit are kept as they were.");
    } else if (command === "remove") {
      if (!window.confirm("Remove the column " + c.id + " and its values from every row? This cannot be undone.")) return;
      await schemaAction(() => api("DELETE", tablePath() + "/columns/" + encodeURIComponent(c.id)), "Column removed.");
    }
  }
  async function addTable() {
    const v = await ask("Add a table", [{ name: "name", label: "Name", required: true, placeholder: "People" }], "Add table");
    if (!v || !v.name) return;
    await schemaAction(async () => {
      const res = await api("POST", base + "/tables", { tables: [{ id: v.name, columns: [{ id: "A" }, { id: "B" }, { id: "C" }] }] });
      goTable(res.tables[0].id);
    });
  }
  async function renameTable() {
    const v = await ask("Rename table " + cfg.table, [{ name: "name", label: "New name", value: cfg.table, required: true }], "Rename");
    if (!v || !v.name || v.name === cfg.table) return;
    await schemaAction(async () => {
      const before = tables.map((t) => t.id);
      await api("PATCH", base + "/tables", { tables: [{ id: cfg.table, fields: { tableId: v.name } }] });
      const res = await api("GET", base + "/tables");
      const now = res.tables.find((t) => !before.includes(t.id));
      goTable(now ? now.id : v.name);
    });
  }
  async function removeTable() {
    if (!window.confirm("Remove the table " + cfg.table + " and all its records? This cannot be undone.")) return;
    await schemaAction(async () => {
      await api("DELETE", tablePath());
      goTable("");
    });
  }

  // ---- start

  async function start() {
    const boot = window.rowhouseGridBoot || {};
    window.rowhouseGridBoot = undefined; // answers are read once
    const tablesP = loadTables(boot.tables);
    let firstP = null;
    if (cfg.table) {
      // The first page and the schema at once: the page shows rows in one
      // round trip.
      needCount = false;
      firstP = api("GET", tablePath() + "/records?" + query({ limit: BLOCK, count: 1 }), undefined, { started: boot.first });
    }
    follow();
    wireToolbar();
    try {
      await tablesP;
    } catch (e) {
      status(e.message, true);
      return;
    }
    table = tableByID(cfg.table);
    if (!table) { root.dataset.state = "ready"; return; }
    columnDefs = buildColumns();
    grid = new Slick.Grid(root, data, columnDefs, {
      editable: cfg.canEdit, enableAddRow: cfg.canEdit, autoEdit: false, autoEditByKeypress: true,
      enableCellNavigation: true, enableColumnReorder: false, multiColumnSort: true, asyncEditorLoading: false,
      showHeaderRow: true, headerRowHeight: 34, explicitInitialization: true, rowHeight: 30, frozenColumn: 0,
      editCommandHandler, forceFitColumns: false, enableTextSelectionOnCells: false,
    });
    grid.setSelectionModel(new Slick.CellSelectionModel({ selectActiveCell: true }));
    const menu = new Slick.Plugins.HeaderMenu({ buttonCssClass: "rh-menubutton", tooltip: "Column menu" });
    menu.onCommand.subscribe((e, args) => columnCommand(args.command, args.column));
    grid.registerPlugin(menu);
    grid.onHeaderRowCellRendered.subscribe((e, args) => {
      const c = args.column.rh;
      if (!c) return;
      const inp = el("input", { class: "rh-filter", "aria-label": "Filter " + c.label, placeholder: "filter",
        title: "Text: contains. =x equals, !=x differs, >x >=x <x <=x compare, a..b a range, = empty, != not empty", value: filters[c.id] || "" });
      inp.addEventListener("input", () => {
        filters[c.id] = inp.value;
        filterTimer = cancel(filterTimer);
        filterTimer = later(applyFilters, 350);
      });
      inp.addEventListener("keydown", (ev) => { if (ev.key === "Enter") { filters[c.id] = inp.value; applyFilters(); } ev.stopPropagation(); });
      args.node.replaceChildren(inp);
    });
    grid.onSort.subscribe((e, args) => {
      sort = (args.sortCols || []).map((s) => ({ col: s.columnId || s.sortCol.id, desc: !s.sortAsc }));
      reset();
    });
    grid.onViewportChanged.subscribe(() => ensure());
    grid.onBeforeEditCell.subscribe((e, args) => {
      if (args.item && args.item.__loading) return false;
      return undefined;
    });
    grid.onAddNewRow.subscribe((e, args) => {
      const f = {};
      f[args.column.field] = args.item[args.column.field];
      addRows([f]).then(() => { status("Row added."); refresh(); }).catch((err) => status(err.message, true));
    });
    grid.onClick.subscribe((e, args) => {
      if (args.cell === 0 && args.row < count) { // the row number selects the row
        const from = e.shiftKey && grid.getActiveCell() ? Math.min(grid.getActiveCell().row, args.row) : args.row;
        const to = e.shiftKey && grid.getActiveCell() ? Math.max(grid.getActiveCell().row, args.row) : args.row;
        grid.setActiveCell(args.row, 1);
        grid.getSelectionModel().setSelectedRanges([new Slick.Range(from, 1, to, columnDefs.length - 1)]);
        e.stopImmediatePropagation();
        return;
      }
      if (e.target && e.target.classList && e.target.classList.contains("rh-check")) {
        toggleBool(args.row, args.cell);
        e.stopImmediatePropagation();
      }
    });
    grid.onKeyDown.subscribe((e, args) => {
      if (grid.getEditorLock().isActive()) return;
      const mod = e.ctrlKey || e.metaKey;
      if (mod && (e.key === "z" || e.key === "Z")) { undo(); e.preventDefault(); e.stopImmediatePropagation(); return; }
      if (!cfg.canEdit) return;
      if (mod && e.key === "Delete") { deleteSelectedRows(); e.preventDefault(); e.stopImmediatePropagation(); return; }
      if ((e.key === "Delete" || e.key === "Backspace") && !mod) { clearSelection(); e.preventDefault(); e.stopImmediatePropagation(); return; }
      if ((e.key === " " || e.key === "Enter") && args.cell > 0 && columnDefs[args.cell].rh && columnDefs[args.cell].rh.kind === "Bool") {
        if (toggleBool(args.row, args.cell)) { e.preventDefault(); e.stopImmediatePropagation(); }
      }
    });
    grid.getSelectionModel().onSelectedRangesChanged.subscribe(updateRowButtons);
    grid.init();
    if (firstP) {
      try {
        const res = await firstP;
        const info = res.pageInfo || {};
        blocks[0] = { rows: res.records.map((r) => Object.assign({ id: r.id }, r.fields)), start: info.startCursor, end: info.endCursor, gen, stale: false };
        byID = null;
        count = res.totalCount || 0;
        grid.updateRowCount();
        grid.invalidate();
        showCount();
        if (count > 0) requestAnimationFrame(() => performance.mark("rowhouse-grid-rows"));
        firstRows = count > 0;
      } catch (e) {
        status(e.message, true);
        needCount = true;
      }
    }
    ensure(0);
    if (columnDefs.some((c) => c.rh && c.rh.kind === "Attachments")) files.load();
    window.addEventListener("resize", () => grid.resizeCanvas());
    document.addEventListener("copy", (e) => {
      if (!root.contains(document.activeElement) || grid.getEditorLock().isActive()) return;
      e.clipboardData.setData("text/plain", copyText());
      e.preventDefault();
      status("Copied.");
    });
    document.addEventListener("paste", (e) => {
      if (!root.contains(document.activeElement) || grid.getEditorLock().isActive()) return;
      e.preventDefault();
      paste(e.clipboardData.getData("text/plain"));
    });
    root.dataset.state = "ready";
  }

  // editCommandHandler sends an edited cell to the server: the grid shows
  // the new value at once, and the old one again if the server refuses.
  function editCommandHandler(item, column, cmd) {
    if (item.__loading) return;
    const before = cmd.prevSerializedValue, after = cmd.serializedValue;
    cmd.execute();
    writeCells([{ id: item.id, col: column.field, before: before === undefined ? null : before, after }], "edit " + column.field).catch(() => {});
  }

  function deleteSelectedRows() {
    const ids = selectedRowIDs();
    if (!ids.length) return;
    removeRows(ids).then(() => {
      status(ids.length === 1 ? "Row deleted. Ctrl+Z brings it back." : ids.length + " rows deleted. Ctrl+Z brings them back.");
      grid.getSelectionModel().setSelectedRanges([]);
    }).catch((e) => status(e.message, true));
  }

  function wireToolbar() {
    const on = (id, fn) => { const b = document.getElementById(id); if (b) b.addEventListener("click", fn); };
    on("add-row", async () => {
      try {
        await addRows([{}]);
        status("Row added.");
        refresh();
        if (!sort.length && !filterExpr) later(() => { grid.scrollRowIntoView(count - 1); grid.setActiveCell(Math.max(0, count - 1), 1); }, 300);
      } catch (e) { status(e.message, true); }
    });
    on("delete-rows", deleteSelectedRows);
    on("undo", undo);
    on("add-column", addColumn);
    on("add-table", addTable);
    on("rename-table", renameTable);
    on("remove-table", removeTable);
  }

  // For tests and measurements: the grid, and whether it is quiet.
  window.rowhouseGrid = {
    get grid() { return grid; },
    get count() { return count; },
    idle: () => pending === 0 && root.dataset.state === "ready",
    paste,
    undo,
  };
  start();
})();
