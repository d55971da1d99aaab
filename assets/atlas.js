/* Client-side hover for the GAN Layer Atlas: tooltip with the digit, and a ring marking the
 * hovered sample in every other map. Runs in the browser so hovering costs no server round
 * trip; only the PNG itself is fetched (and then cached by the browser). */
(function () {
  "use strict";

  function graphDiv(el) {
    if (!el) return null;
    return el.classList.contains("js-plotly-plot") ? el : el.querySelector(".js-plotly-plot");
  }

  function panelOf(axisName) {  // "x" -> 0, "x3" -> 2
    var n = parseInt(String(axisName || "x").slice(1), 10);
    return isNaN(n) ? 0 : n - 1;
  }

  // per panel: sample id -> [x, y]; rebuilt only when Plotly swaps in new data
  function pointIndex(gd) {
    var full = gd._fullData;
    if (!full) return [];
    if (gd.__atlasIndexFor === full) return gd.__atlasIndex;
    var index = [];
    full.forEach(function (trace) {
      if (trace.name === "pinned" || trace.name === "latent path" || trace.visible !== true || !trace.customdata || !trace.customdata.length) return;
      var p = panelOf(trace.xaxis);
      var map = index[p] || (index[p] = new Map());
      var xs = trace.x, ys = trace.y, ids = trace.customdata;
      for (var i = 0; i < ids.length; i++) map.set(ids[i], [xs[i], ys[i]]);
    });
    gd.__atlasIndexFor = full;
    gd.__atlasIndex = index;
    return index;
  }

  // A ring over the sample in every panel except `skipPanel`: plain DOM positioned with the
  // axes' own pixel mapping, so marking costs no Plotly redraw.
  function placeRings(gd, sampleId, skipPanel) {
    var index = pointIndex(gd), layout = gd._fullLayout;
    gd.__atlasRings = gd.__atlasRings || [];
    for (var p = 0; p < Math.max(index.length, gd.__atlasRings.length); p++) {
      var ring = gd.__atlasRings[p];
      var xy = sampleId !== null && p !== skipPanel && index[p] ? index[p].get(sampleId) : undefined;
      var suffix = p === 0 ? "" : String(p + 1);
      var xa = layout && layout["xaxis" + suffix], ya = layout && layout["yaxis" + suffix];
      if (!xy || !xa || !ya || !xa.l2p) {
        if (ring) ring.style.display = "none";
        continue;
      }
      var px = xa._offset + xa.l2p(xy[0]), py = ya._offset + ya.l2p(xy[1]);
      var inside = px >= xa._offset && px <= xa._offset + xa._length &&
                   py >= ya._offset && py <= ya._offset + ya._length;
      if (!ring) {
        ring = gd.__atlasRings[p] = document.createElement("div");
        ring.className = "hover-ring";
        gd.appendChild(ring);
      }
      ring.style.left = px + "px";
      ring.style.top = py + "px";
      ring.style.display = inside ? "block" : "none";
    }
  }

  // Presses anywhere on the page (capture phase, before Plotly sees them): a click on a map is
  // only a pin when no second press follows within PIN_DELAY_MS, i.e. when it is not the first
  // half of a double-click (which clears the selection and must not pin the point under it).
  var PIN_DELAY_MS = 320;
  var presses = {down: 0, downDetail: 0, up: 0};
  window.addEventListener("mousedown", function (e) {
    presses.down = performance.now();
    presses.downDetail = e.detail || 0;
  }, true);
  window.addEventListener("mouseup", function () { presses.up = performance.now(); }, true);

  // The pointer's last position (viewport px): hover events carry the hovered point, not the pointer.
  var pointer = {x: null, y: null};
  window.addEventListener("mousemove", function (e) { pointer.x = e.clientX; pointer.y = e.clientY; },
                          {capture: true, passive: true});

  // Plotly's closest-point hover can name a sample lying under a latent-path marker (on the dense maps a
  // sample is often within a pixel of a path point), so where a path marker is drawn under the pointer,
  // in the hovered point's map, that path point wins: the hover event is rewritten to it (its bbox moved
  // by the pixel offset between the two points). Anything else is returned unchanged.
  function preferPath(gd, pt) {
    var full = gd && gd._fullData, layout = gd && gd._fullLayout;
    var hovered = full && pt && typeof pt.curveNumber === "number" ? full[pt.curveNumber] : null;
    if (!hovered || !layout || pointer.x === null || hovered.name === "latent path") return pt;
    var suffix = panelOf(hovered.xaxis) === 0 ? "" : String(panelOf(hovered.xaxis) + 1);
    var xa = layout["xaxis" + suffix], ya = layout["yaxis" + suffix];
    if (!xa || !ya || !xa.l2p || !ya.l2p) return pt;
    var r = gd.getBoundingClientRect(), mx = pointer.x - r.left, my = pointer.y - r.top, best = null;
    full.forEach(function (t, curve) {
      if (t.name !== "latent path" || t.xaxis !== hovered.xaxis || t.visible !== true || !t.x || !t.customdata) return;
      var sizes = t.marker && t.marker.size;
      for (var i = 0; i < t.x.length; i++) {
        var px = xa._offset + xa.l2p(t.x[i]), py = ya._offset + ya.l2p(t.y[i]);
        var radius = (Array.isArray(sizes) ? sizes[i] : sizes || 8) / 2 + 2, d = Math.hypot(px - mx, py - my);
        if (d <= radius && (!best || d < best.d)) best = {d: d, curve: curve, t: t, i: i, px: px, py: py};
      }
    });
    if (!best) return pt;
    var dx = best.px - (xa._offset + xa.l2p(pt.x)), dy = best.py - (ya._offset + ya.l2p(pt.y)), b = pt.bbox;
    return {curveNumber: best.curve, pointNumber: best.i, x: best.t.x[best.i], y: best.t.y[best.i],
            customdata: best.t.customdata[best.i],
            bbox: b && isFinite(dx) && isFinite(dy) ? {x0: b.x0 + dx, x1: b.x1 + dx, y0: b.y0 + dy, y1: b.y1 + dy} : b};
  }

  function triggered() {  // [the triggering input's value, its graph's div] in a clientside callback
    var cc = window.dash_clientside.callback_context;
    var trig = cc && cc.triggered && cc.triggered[0];
    if (!trig) return [null, null, null];
    var id = trig.prop_id.slice(0, trig.prop_id.lastIndexOf("."));
    return [trig.value, document.getElementById(id), id];
  }

  // Escape closes the focus view (the same as its × button)
  document.addEventListener("keydown", function (e) {
    if (e.key !== "Escape") return;
    var modal = document.getElementById("focus-modal"), close = document.getElementById("focus-close");
    if (modal && close && !modal.classList.contains("hidden")) close.click();
  });

  function line(text) {
    return {type: "Div", namespace: "dash_html_components", props: {children: text}};
  }

  // sample id -> row of the training arrays, built once per meta store
  var trainingRows = new WeakMap();
  function trainingRow(training, id) {
    var rows = trainingRows.get(training);
    if (!rows) {
      rows = new Map();
      training.ids.forEach(function (sid, row) { rows.set(sid, row); });
      trainingRows.set(training, rows);
    }
    return rows.get(id);
  }

  function fixed(x) { return Number(x).toFixed(2); }

  // What a hovered point shows: a sample (final, or as training epoch N drew and judged it) or a
  // latent-path point (customdata "path:<i>"); null for anything else.
  function describe(cd, meta, view) {
    if (typeof cd === "string" && cd.indexOf("path:") === 0 && meta.paths) {
      var i = parseInt(cd.slice(5), 10), P = meta.paths, K = P.steps;
      if (isNaN(i) || i < 0 || i >= P.labels.length) return null;
      return {src: meta.path_base + i + ".png?v=" + meta.v, alt: "path point " + i,
              title: "latent path " + Math.floor(i / K) + ", step " + (i % K + 1) + " of " + K,
              lines: ["classifier says " + meta.class_names[P.labels[i]], "confidence " + fixed(P.conf[i]),
                      "D score " + fixed(P.dscore[i])]};
    }
    if (typeof cd !== "number" || cd < 0 || cd >= meta.labels.length) return null;
    var real = meta.source[cd] === 1, epoch = view && typeof view.epoch === "number" ? view.epoch : null;
    var kind = real ? "real " : "generated ", src = meta.base + cd + ".png?v=" + meta.v;
    if (epoch === null || !meta.training) {
      return {src: src, alt: "sample " + cd, title: kind + meta.class_names[meta.labels[cd]],
              lines: ["#" + cd + (real ? " · true label" : " · classifier's call"), "confidence " + fixed(meta.conf[cd]),
                      "D score " + fixed(meta.dscore[cd])]};
    }
    var T = meta.training, row = trainingRow(T, cd), key = String(epoch);
    if (row === undefined || !T.labels[key]) return null;
    return {src: src + "&epoch=" + epoch, alt: "sample " + cd + " at epoch " + epoch,
            title: kind + meta.class_names[T.labels[key][row]] + " · epoch " + epoch,
            lines: ["#" + cd + (real ? " · true label" : " · epoch " + epoch + "'s call"),
                    "confidence " + fixed(T.conf[key][row]), "D score " + fixed(T.dscore[key][row])]};
  }

  window.dash_clientside = Object.assign({}, window.dash_clientside, {
    atlas: {
      tooltip: function (hoverData, meta, view) {
        var nu = window.dash_clientside.no_update, el = triggered()[1];
        var pt = hoverData && hoverData.points && hoverData.points[0];
        pt = pt && preferPath(graphDiv(el), pt);
        var info = pt && meta ? describe(pt.customdata, meta, view) : null;
        if (!info) return [false, nu, nu, nu];
        var img = {type: "Img", namespace: "dash_html_components", props: {
          src: info.src, width: 112, height: 112, className: "tip-img", alt: info.alt}};
        var text = {type: "Div", namespace: "dash_html_components", props: {className: "tip-text", children: [
          {type: "Strong", namespace: "dash_html_components", props: {children: info.title}}].concat(
          info.lines.map(line))}};
        // near the right edge the tooltip would hide under the side column: put it left of the point
        var width = el ? el.getBoundingClientRect().width : 0;
        var dir = width && pt.bbox && pt.bbox.x1 + 170 > width ? "left" : "right";
        return [true, pt.bbox, [img, text], dir];
      },

      click: function (atlasClick, focusClick) {
        var nu = window.dash_clientside.no_update;
        var cc = window.dash_clientside.callback_context;
        var trig = cc && cc.triggered && cc.triggered[0];
        var value = trig && trig.value;
        if (!value || !value.points || !value.points.length) return nu;
        var graph = trig.prop_id.slice(0, trig.prop_id.lastIndexOf("."));
        var clickUp = presses.up;  // the release that made this click
        var points = value.points.slice(0, 1).map(function (p) {
          return {curveNumber: p.curveNumber, pointNumber: p.pointNumber, customdata: p.customdata};
        });
        return new Promise(function (resolve) {
          setTimeout(function () {
            var doubled = presses.down > clickUp || presses.downDetail >= 2;
            resolve(doubled ? nu : {graph: graph, points: points, t: Date.now()});
          }, PIN_DELAY_MS);
        });
      },

      mark: function (atlasHover, focusHover, meta) {
        var trig = triggered(), value = trig[0], sourceId = trig[2];
        if (!sourceId || !meta) return window.dash_clientside.no_update;
        var pt = value && value.points && value.points[0];
        pt = pt && preferPath(graphDiv(trig[1]), pt);  // a path point under the pointer rings no sample
        var id = pt && typeof pt.customdata === "number" ? pt.customdata : null;
        var srcPanel = pt && typeof pt.curveNumber === "number" ? Math.floor(pt.curveNumber / (meta.n_classes + 1)) : -1;
        document.querySelectorAll(".atlas-graph").forEach(function (el) {
          var gd = graphDiv(el);
          if (gd) placeRings(gd, id, el.id === sourceId ? srcPanel : -1);
        });
        return id;
      }
    }
  });
})();
