// The site's behaviour: paged, searchable, sortable tables and the evidence panel. data/meta.js
// sets window.AQ (columns, counts, sources, index fences); every other data file is a script
// added when first needed, which hands its payload to AQ.loaded (a page opened from the file
// system may not fetch JSON). Files are written by pipeline/site/data.py. Text is always
// inserted with textContent or text nodes, never as HTML, so quotes with quotes, ampersands or
// markup stay text.
(function () {
  "use strict";
  var AQ = window.AQ;
  var state = {}, waiting = {}, ticket = 0;

  function h(tag, attrs, children) {
    var node = document.createElement(tag);
    Object.keys(attrs || {}).forEach(function (k) { node.setAttribute(k, attrs[k]); });
    (children || []).forEach(function (c) {
      node.appendChild(typeof c === "string" ? document.createTextNode(c) : c);
    });
    return node;
  }

  // ------------------------------------------------------------ data files, on demand

  AQ.loaded = function (name, payload) {
    if (waiting[name]) waiting[name].resolve(payload);
  };

  function need(name) {
    if (!waiting[name]) {
      var w = waiting[name] = {};
      w.promise = new Promise(function (resolve, reject) {
        w.resolve = resolve;
        var script = document.createElement("script");
        script.src = "data/" + name + ".js";
        script.onerror = function () { delete waiting[name]; reject(new Error("cannot load data/" + name + ".js")); };
        document.head.appendChild(script);
      });
    }
    return waiting[name].promise;
  }

  // Row `index` (its number in the table, from 0) with its quote's offsets (evidence only).
  function rowAt(table, index) {
    var size = AQ.pageRows;
    return need("tables/" + table + "/" + Math.floor(index / size)).then(function (page) {
      return { row: page.rows[index % size], span: page.spans ? page.spans[index % size] : null };
    });
  }

  // The value of `key` in a sorted index: the chunk is the last whose first key is <= key.
  function lookup(name, key) {
    var fences = AQ.indexes[name] || [], lo = 0, hi = fences.length - 1;
    if (hi < 0 || key < fences[0]) return Promise.resolve(undefined);
    while (lo < hi) {
      var mid = (lo + hi + 1) >> 1;
      if (fences[mid] <= key) lo = mid; else hi = mid - 1;
    }
    return need("index/" + name + "/" + lo).then(function (chunk) {
      return Object.prototype.hasOwnProperty.call(chunk, key) ? chunk[key] : undefined;
    });
  }

  // ------------------------------------------------------------ tables

  function compare(a, b, type) {
    if (a === b) return 0;
    if (a === "") return 1;           // empty cells last, whichever the direction
    if (b === "") return -1;
    if (type === "integer") return Number(a) - Number(b);
    return a < b ? -1 : 1;            // code-point order: the same in every browser and locale
  }

  function setupTable(name) {
    var table = AQ.tables[name];
    var s = state[name] = { page: -1, first: 0, rows: [], order: [], haystack: [], query: "", column: -1, descending: false };
    var el = document.querySelector('table[data-data-table="' + name + '"]');
    var tr = h("tr");
    table.columns.forEach(function (col, i) {
      var th = h("th", { title: table.descriptions[i], "data-col": String(i), scope: "col", tabindex: "0" },
        [col, h("span", { "class": "arrow", "aria-hidden": "true" })]);
      if (table.types[i] === "integer") th.className = "num";
      th.addEventListener("click", function () { sortBy(name, i); });
      th.addEventListener("keydown", function (ev) { if (ev.key === "Enter") sortBy(name, i); });
      tr.appendChild(th);
    });
    el.tHead.appendChild(tr);
    document.querySelector('input[data-search="' + name + '"]').addEventListener("input", function (ev) {
      s.query = ev.target.value.toLowerCase();
      draw(name);
    });
    el.tBodies[0].addEventListener("click", function (ev) {
      var row = ev.target.closest("tr");
      if (row) showRow(name, Number(row.getAttribute("data-row")));
    });
    el.tBodies[0].addEventListener("keydown", function (ev) {
      var row = ev.target.closest("tr");
      if (row && ev.key === "Enter") showRow(name, Number(row.getAttribute("data-row")));
    });
    document.querySelector('[data-prev="' + name + '"]').addEventListener("click", function () { showPage(name, s.page - 1); });
    document.querySelector('[data-next="' + name + '"]').addEventListener("click", function () { showPage(name, s.page + 1); });
    showPage(name, 0);
  }

  function showPage(name, n) {
    var table = AQ.tables[name], s = state[name];
    if (n < 0 || n >= table.pages) return Promise.resolve();
    return need("tables/" + name + "/" + n).then(function (page) {
      s.page = n;
      s.first = n * AQ.pageRows;
      s.rows = page.rows;
      s.order = page.rows.map(function (_, i) { return i; });
      s.haystack = page.rows.map(function (r) { return r.join("\u0001").toLowerCase(); });
      if (s.column >= 0) order(name);
      document.querySelector('[data-prev="' + name + '"]').disabled = n === 0;
      document.querySelector('[data-next="' + name + '"]').disabled = n === table.pages - 1;
      document.querySelector('[data-pages="' + name + '"]').textContent = "page " + (n + 1) + " of " + table.pages +
        " · rows " + (table.rows ? s.first + 1 : 0) + "–" + (s.first + page.rows.length) + " of " + table.rows;
      draw(name);
    });
  }

  function order(name) {
    var s = state[name], col = s.column, type = AQ.tables[name].types[col];
    s.order.sort(function (i, j) {
      var a = s.rows[i][col], b = s.rows[j][col];
      var c = compare(a, b, type);
      if (c !== 0 && a !== "" && b !== "" && s.descending) c = -c;
      return c !== 0 ? c : i - j;
    });
  }

  function sortBy(name, col) {
    var s = state[name];
    s.descending = s.column === col ? !s.descending : false;
    s.column = col;
    order(name);
    document.querySelectorAll('table[data-data-table="' + name + '"] th').forEach(function (th, i) {
      th.setAttribute("aria-sort", i === col ? (s.descending ? "descending" : "ascending") : "none");
    });
    draw(name);
  }

  function draw(name) {
    var s = state[name], table = AQ.tables[name];
    var body = document.querySelector('table[data-data-table="' + name + '"]').tBodies[0];
    var fragment = document.createDocumentFragment(), shown = 0;
    s.order.forEach(function (i) {
      if (s.query && s.haystack[i].indexOf(s.query) < 0) return;
      shown += 1;
      var tr = h("tr", { "data-row": String(s.first + i), tabindex: "0" });
      s.rows[i].forEach(function (cell, c) {
        tr.appendChild(h("td", table.types[c] === "integer" ? { "class": "num" } : { dir: "auto" }, [cell]));
      });
      fragment.appendChild(tr);
    });
    body.replaceChildren(fragment);
    var where = table.pages > 1 ? " on this page" : "";
    document.querySelector('[data-count="' + name + '"]').textContent =
      (shown === s.rows.length ? shown + " rows" : shown + " of " + s.rows.length + " rows") + where;
  }

  function openTab(name) {
    document.querySelectorAll("[data-tab]").forEach(function (b) {
      b.setAttribute("aria-selected", b.getAttribute("data-tab") === name ? "true" : "false");
    });
    document.querySelectorAll("[data-table-panel]").forEach(function (p) {
      p.hidden = p.getAttribute("data-table-panel") !== name;
    });
  }

  // ------------------------------------------------------------ evidence

  function column(table, name) { return AQ.tables[table].columns.indexOf(name); }

  // The row of a table with a one-column key, found by its key; null when there is none.
  function findRow(table, id) {
    if (AQ.tables[table].key.length !== 1) return Promise.resolve(null);
    return lookup("rows/" + table, id).then(function (index) {
      return index === undefined ? null : rowAt(table, index).then(function (r) { return r.row; });
    });
  }

  function gradeBadge(source) {
    return h("span", { "class": "grade grade-" + source.reliability, title: source.reliability_reason },
      [source.reliability]);
  }

  // The text from `first` to `last` with the spans [start, end) wrapped in <mark>.
  function passage(text, first, last, spans) {
    var out = h("p", { "class": "passage", dir: "auto" }), at = first;
    if (first > 0 && text[first - 1] !== "\n") out.appendChild(document.createTextNode("…"));
    spans.forEach(function (sp) {
      var start = Math.max(sp[0], at), end = Math.min(sp[1], last);
      if (end <= start) return;
      out.appendChild(document.createTextNode(text.slice(at, start)));
      out.appendChild(h("mark", {}, [text.slice(start, end)]));
      at = end;
    });
    out.appendChild(document.createTextNode(text.slice(at, last)));
    if (last < text.length && text[last] !== "\n") out.appendChild(document.createTextNode("…"));
    return out;
  }

  // A source whose text is not published (redistribution excerpts or none): the permitted
  // excerpt, if any, and what lets a holder of the source check the span.
  function excerpt(row, source) {
    var quote = row[column("evidence", "quote")], status = row[column("evidence", "quote_status")];
    var out = [h("p", { "class": "small policy" }, ["Quote " + (status === "withheld" ? "withheld" : status === "excerpt" ?
      "cut to an excerpt" : "published whole") + " (" + source.license + ": " + source.redistribution_reason +
      ") · sha256 of the quoted span " + row[column("evidence", "quote_sha256")]])];
    if (quote) out.push(h("p", { "class": "passage", dir: "auto" }, [h("mark", {}, [quote]), status === "excerpt" ? "…" : ""]));
    return h("div", { "class": "excerpt" }, out);
  }

  // The card of evidence row `index`: its source, its place and its quote (in its paragraph
  // when the source's text is published, loaded then).
  function evidenceCard(index) {
    return rowAt("evidence", index).then(function (r) {
      var row = r.row, span = r.span, sid = row[column("evidence", "source_id")], source = AQ.sources[sid];
      var section = row[column("evidence", "section")];
      var quote = span ? need("sources/" + sid).then(function (doc) {
        return passage(doc.text, span[2], span[3], [[span[0], span[1]]]);
      }) : Promise.resolve(excerpt(row, source));
      return quote.then(function (q) {
        return h("article", { "class": "evidence", "data-evidence": row[column("evidence", "evidence_id")],
                              "data-source": sid }, [
          h("h4", {}, [gradeBadge(source), " ", source.title]),
          h("p", { "class": "small" }, [source.publisher + " · grade " + source.reliability + ": " + source.reliability_reason]),
          h("p", { "class": "small" }, [(section ? "Section: " + section + " · " : "") + "characters " +
            row[column("evidence", "char_start")] + "–" + row[column("evidence", "char_end")]]),
          q
        ]);
      });
    });
  }

  function cards(indexes) { return Promise.all(indexes.map(evidenceCard)); }

  // The panel's content for a record: its values and the cards of its evidence.
  function record(table, id, note) {
    return Promise.all([lookup("records/" + table, id), findRow(table, id)]).then(function (found) {
      var indexes = found[0] || [], row = found[1], label = id;
      if (row) {
        ["title", "name"].forEach(function (c) { if (column(table, c) >= 0 && label === id) label = row[column(table, c)]; });
      }
      return cards(indexes).then(function (list) {
        var sources = new Set(list.map(function (card) { return card.getAttribute("data-source"); }));
        var children = [h("p", { "class": "small" }, [table + " · " + id + (note ? " · " + note : "")]),
          h("h3", { dir: "auto" }, [label]),
          h("p", {}, [list.length + (list.length === 1 ? " quote" : " quotes") + " from " + sources.size + " source(s)"])];
        if (row) children.push(rowValues(table, row));
        return children.concat(list);
      });
    });
  }

  // The row's non-empty values, folded away under the heading.
  function rowValues(table, row) {
    var t = AQ.tables[table], list = h("dl", { "class": "values" });
    t.columns.forEach(function (col, i) {
      if (row[i] === "") return;
      list.appendChild(h("dt", { title: t.descriptions[i] }, [col]));
      list.appendChild(h("dd", { dir: "auto" }, [row[i]]));
    });
    return h("details", { "class": "row-values" }, [h("summary", {}, ["the row's values"]), list]);
  }

  // The panel's content for a source: the whole text with its quotes marked, or, for a source
  // whose text is not published, the cards of its quoted spans.
  function documentOf(sourceId) {
    var source = AQ.sources[sourceId];
    var head = [h("p", { "class": "small" }, ["sources · " + sourceId]),
      h("h3", {}, [gradeBadge(source), " ", source.title]),
      h("p", { "class": "small" }, [source.publisher + " · grade " + source.reliability + ": " + source.reliability_reason])];
    return need("sources/" + sourceId).then(function (doc) {
      if (doc.text === undefined) {
        return cards(doc.cards).then(function (list) {
          return head.concat([h("p", {}, ["The text of this source is not published (" + source.license + "; " +
            source.redistribution_reason + "). Its " + list.length + " quoted passages, with their offsets and permitted excerpts:"])], list);
        });
      }
      return head.concat([h("p", {}, ["The whole document; the " + doc.quotes + " quoted passages are highlighted."]),
        passage(doc.text, 0, doc.text.length, doc.marks)]);
    });
  }

  // The panel's content for row `index` of a table, by how the table finds its evidence.
  function rowEvidence(table, index) {
    var link = AQ.links[table];
    return rowAt(table, index).then(function (r) {
      var row = r.row;
      if (link.kind === "self") {
        var rt = row[column("evidence", "record_table")], rid = row[column("evidence", "record_id")];
        return evidenceCard(index).then(function (card) {
          return [h("p", { "class": "small" }, ["evidence · " + row[column("evidence", "evidence_id")]]),
            h("h3", {}, ["Quote for " + rt + " · " + rid]), card];
        });
      }
      if (link.kind === "document") return documentOf(row[link.column]);
      if (link.kind === "referrers") {
        var key = row[link.key];
        return lookup(link.index, key).then(function (named) {
          var ids = named ? named.ids : [], count = named ? named.count : 0;
          return Promise.all(ids.map(function (id) { return lookup("records/" + link.table, id); })).then(function (found) {
            return cards([].concat.apply([], found.map(function (f) { return f || []; })));
          }).then(function (list) {
            return [h("p", { "class": "small" }, [table + " · " + key + " · the evidence of " + (count > ids.length ?
              "the first " + ids.length + " of the " : "the ") + count + " " + link.table + " rows that name it"]), h("h3", { dir: "auto" }, [row[column(table, "name")] || key]),
              rowValues(table, row)].concat(list);
          });
        });
      }
      return record(link.target, row[link.column],
        link.target === table ? "" : "evidence of the " + link.target + " row this " + table + " row names");
    });
  }

  // Open the panel on what `build` makes once its files are loaded; the panel is aria-busy
  // meanwhile, and only the last thing asked for is shown.
  function present(build) {
    var mine = ++ticket, panel = document.getElementById("evidence"), body = document.getElementById("evidence-body");
    panel.setAttribute("aria-busy", "true");
    build().catch(function (e) {
      return [h("p", { "class": "small" }, ["Could not load the evidence: " + e.message])];
    }).then(function (children) {
      if (mine !== ticket) return;
      body.replaceChildren.apply(body, children);
      panel.hidden = false;
      panel.scrollTop = 0;
      panel.setAttribute("aria-busy", "false");
    });
  }

  function showRow(table, index) {
    if (AQ.links[table]) present(function () { return rowEvidence(table, index); });
  }

  // ------------------------------------------------------------ wiring

  Object.keys(AQ.tables).forEach(setupTable);
  document.querySelectorAll("[data-tab]").forEach(function (b) {
    b.addEventListener("click", function () { openTab(b.getAttribute("data-tab")); });
  });
  document.querySelectorAll("[data-open-tab]").forEach(function (a) {
    a.addEventListener("click", function () { openTab(a.getAttribute("data-open-tab")); });
  });
  document.querySelector("#evidence .close").addEventListener("click", function () {
    document.getElementById("evidence").hidden = true;
  });
  document.addEventListener("keydown", function (ev) {
    if (ev.key === "Escape") document.getElementById("evidence").hidden = true;
  });
  // chart marks and the static lists name their record with data-table / data-id
  function activate(ev) {
    var target = ev.target.closest("[data-table][data-id]");
    if (!target || target.closest("table.data")) return;
    var table = target.getAttribute("data-table"), id = target.getAttribute("data-id");
    present(function () {
      return AQ.links[table] && AQ.links[table].kind === "document" ? documentOf(id) : record(table, id, "");
    });
  }
  document.addEventListener("click", activate);
  document.addEventListener("keydown", function (ev) { if (ev.key === "Enter") activate(ev); });
  var filter = document.getElementById("type-filter");
  filter.addEventListener("change", function () {
    document.querySelectorAll("#chart-timeline .mark").forEach(function (m) {
      m.classList.toggle("dim", filter.value !== "" && m.getAttribute("data-type") !== filter.value);
    });
  });
})();
