// The site's behaviour: searchable, sortable tables and the evidence panel. Data comes from
// data.js (window.AQ), written by pipeline/site.py. Text is always inserted with textContent or
// text nodes, never as HTML, so quotes with quotes, ampersands or markup stay text.
(function () {
  "use strict";
  var AQ = window.AQ;
  var state = {};

  function h(tag, attrs, children) {
    var node = document.createElement(tag);
    Object.keys(attrs || {}).forEach(function (k) { node.setAttribute(k, attrs[k]); });
    (children || []).forEach(function (c) {
      node.appendChild(typeof c === "string" ? document.createTextNode(c) : c);
    });
    return node;
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
    var s = state[name] = {
      order: table.rows.map(function (_, i) { return i; }),
      haystack: table.rows.map(function (r) { return r.join("\u0001").toLowerCase(); }),
      query: "", column: -1, descending: false
    };
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
    draw(name);
  }

  function sortBy(name, col) {
    var s = state[name], table = AQ.tables[name];
    s.descending = s.column === col ? !s.descending : false;
    s.column = col;
    var type = table.types[col];
    s.order.sort(function (i, j) {
      var a = table.rows[i][col], b = table.rows[j][col];
      var c = compare(a, b, type);
      if (c !== 0 && a !== "" && b !== "" && s.descending) c = -c;
      return c !== 0 ? c : i - j;
    });
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
      var tr = h("tr", { "data-row": String(i), tabindex: "0" });
      table.rows[i].forEach(function (cell, c) {
        tr.appendChild(h("td", table.types[c] === "integer" ? { "class": "num" } : { dir: "auto" }, [cell]));
      });
      fragment.appendChild(tr);
    });
    body.replaceChildren(fragment);
    document.querySelector('[data-count="' + name + '"]').textContent =
      shown === table.rows.length ? shown + " rows" : shown + " of " + table.rows.length + " rows";
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

  function findRow(table, id) {
    var t = AQ.tables[table];
    if (t.key.length !== 1) return null;
    var k = column(table, t.key[0]);
    for (var i = 0; i < t.rows.length; i++) if (t.rows[i][k] === id) return t.rows[i];
    return null;
  }

  function gradeBadge(source) {
    return h("span", { "class": "grade grade-" + source.reliability, title: source.reliability_reason },
      [source.reliability]);
  }

  // The source text from `first` to `last` with the spans [start, end) wrapped in <mark>.
  function passage(sourceId, first, last, spans) {
    var text = AQ.documents[sourceId], out = h("p", { "class": "passage", dir: "auto" }), at = first;
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

  function evidenceCard(index) {
    var ev = AQ.tables.evidence, row = ev.rows[index], span = AQ.spans[index];
    var sid = row[column("evidence", "source_id")], source = AQ.sources[sid];
    var section = row[column("evidence", "section")];
    return h("article", { "class": "evidence", "data-evidence": row[column("evidence", "evidence_id")] }, [
      h("h4", {}, [gradeBadge(source), " ", source.title]),
      h("p", { "class": "small" }, [source.publisher + " · grade " + source.reliability + ": " + source.reliability_reason]),
      h("p", { "class": "small" }, [(section ? "Section: " + section + " · " : "") + "characters " +
        row[column("evidence", "char_start")] + "–" + row[column("evidence", "char_end")]]),
      span ? passage(sid, span[2], span[3], [[span[0], span[1]]]) : excerpt(row, source)
    ]);
  }

  function showRecord(table, id, note) {
    var found = (AQ.records[table] || {})[id] || [];
    var row = findRow(table, id), label = id;
    if (row) {
      ["title", "name"].forEach(function (c) { if (column(table, c) >= 0 && label === id) label = row[column(table, c)]; });
    }
    var children = [h("p", { "class": "small" }, [table + " · " + id + (note ? " · " + note : "")]),
      h("h3", { dir: "auto" }, [label]),
      h("p", {}, [found.length + (found.length === 1 ? " quote" : " quotes") + " from " +
        new Set(found.map(function (i) { return AQ.tables.evidence.rows[i][column("evidence", "source_id")]; })).size +
        " source(s)"])];
    if (row) children.push(rowValues(table, row));
    found.forEach(function (i) { children.push(evidenceCard(i)); });
    openPanel(children);
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

  function showDocument(sourceId) {
    var source = AQ.sources[sourceId], ev = AQ.tables.evidence, sc = column("evidence", "source_id");
    if (!(sourceId in AQ.documents)) {
      var cards = [], seen = {}, cs = column("evidence", "char_start"), ce = column("evidence", "char_end");
      ev.rows.forEach(function (r, i) {
        var key = r[cs] + "-" + r[ce];
        if (r[sc] === sourceId && !seen[key]) { seen[key] = true; cards.push(evidenceCard(i)); }
      });
      openPanel([h("p", { "class": "small" }, ["sources · " + sourceId]),
        h("h3", {}, [gradeBadge(source), " ", source.title]),
        h("p", { "class": "small" }, [source.publisher + " · grade " + source.reliability + ": " + source.reliability_reason]),
        h("p", {}, ["The text of this source is not published (" + source.license + "; " + source.redistribution_reason +
          "). Its " + cards.length + " quoted passages, with their offsets and permitted excerpts:"])].concat(cards));
      return;
    }
    var spans = [];
    ev.rows.forEach(function (r, i) { if (r[sc] === sourceId) spans.push([AQ.spans[i][0], AQ.spans[i][1]]); });
    spans.sort(function (a, b) { return a[0] - b[0] || a[1] - b[1]; });
    var merged = [];
    spans.forEach(function (sp) {
      var last = merged[merged.length - 1];
      if (last && sp[0] <= last[1]) last[1] = Math.max(last[1], sp[1]); else merged.push([sp[0], sp[1]]);
    });
    var text = AQ.documents[sourceId];
    openPanel([h("p", { "class": "small" }, ["sources · " + sourceId]),
      h("h3", {}, [gradeBadge(source), " ", source.title]),
      h("p", { "class": "small" }, [source.publisher + " · grade " + source.reliability + ": " + source.reliability_reason]),
      h("p", {}, ["The whole document; the " + spans.length + " quoted passages are highlighted."]),
      passage(sourceId, 0, text.length, merged)]);
  }

  function showRow(table, index) {
    var link = AQ.links[table], row = AQ.tables[table].rows[index];
    if (!link) return;
    if (link.kind === "self") {
      var t = AQ.tables.evidence, rt = row[column("evidence", "record_table")], rid = row[column("evidence", "record_id")];
      openPanel([h("p", { "class": "small" }, ["evidence · " + row[column("evidence", "evidence_id")]]),
        h("h3", {}, ["Quote for " + rt + " · " + rid]), evidenceCard(index)]);
    } else if (link.kind === "document") {
      showDocument(row[link.column]);
    } else {
      showRecord(link.target, row[link.column],
        link.target === table ? "" : "evidence of the " + link.target + " row this " + table + " row names");
    }
  }

  function openPanel(children) {
    var panel = document.getElementById("evidence");
    document.getElementById("evidence-body").replaceChildren.apply(document.getElementById("evidence-body"), children);
    panel.hidden = false;
    panel.scrollTop = 0;
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
    if (AQ.links[table] && AQ.links[table].kind === "document") showDocument(id); else showRecord(table, id, "");
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
