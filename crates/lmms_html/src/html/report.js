// Draws the icicle from the embedded JSON. Every name reaches the page
// through textContent or setAttribute, never as markup.
(function () {
  "use strict";
  const data = JSON.parse(document.getElementById("lmms-data").textContent);
  const nodes = data.nodes;
  const kids = nodes.map(() => []);
  nodes.forEach((n, i) => { if (n.p >= 0) kids[n.p].push(i); });
  const SVG = "http://www.w3.org/2000/svg";
  const ROW = 19;
  const CHAR = 6.7;
  const svg = document.getElementById("icicle");
  const box = document.getElementById("icicle-box");
  const hover = document.getElementById("hover");
  const crumbs = document.getElementById("crumbs");
  // `#focus=MODULE` opens zoomed into that module: a link to a subtree.
  const fromHash = () => {
    const m = /^#focus=(.+)$/.exec(location.hash);
    if (!m) return 0;
    let name = "";
    try { name = decodeURIComponent(m[1]); } catch (_) { return 0; }
    const i = nodes.findIndex((n, j) => j > 0 && n.n === name);
    return i > 0 ? i : 0;
  };
  let focus = fromHash();

  const fmt = (ms) => (Math.abs(ms) < 100 ? ms.toFixed(1) : ms.toFixed(0)) + " ms";
  const pct = (f) => (f * 100 < 10 && f > 0 ? (f * 100).toFixed(1) : (f * 100).toFixed(0)) + "%";
  const cls = (n) => (n.k ? "k-" + n.k : "o-" + n.o);

  function chain(i) {
    const out = [];
    for (let j = i; j > 0; j = nodes[j].p) out.unshift(nodes[j].n);
    return out;
  }

  function describe(i) {
    const n = nodes[i];
    const parts = [fmt(n.c) + " cumulative (" + pct(data.init > 0 ? n.c / data.init : 0) + " of INIT)"];
    if (!n.k || n.k === "floor" || n.k === "startup") parts.push(fmt(n.s) + " self");
    if (n.o) parts.push(n.o);
    if (n.u !== undefined) parts.push("used by " + pct(n.u) + " of requests");
    if (n.d) parts.push("plan: " + n.d);
    return parts.join(" · ");
  }

  function show(i) {
    hover.textContent = "";
    const line = document.createElement("div");
    const b = document.createElement("b");
    b.textContent = i === 0 ? nodes[0].n : chain(i).join(" → ");
    line.appendChild(b);
    hover.appendChild(line);
    const facts = document.createElement("div");
    facts.textContent = describe(i);
    hover.appendChild(facts);
    if (nodes[i].f) {
      const f = document.createElement("code");
      f.textContent = nodes[i].f;
      hover.appendChild(f);
    }
  }

  function zoom(i) {
    focus = i;
    try {
      history.replaceState(null, "", i ? "#focus=" + encodeURIComponent(nodes[i].n) : location.pathname + location.search);
    } catch (_) { /* some viewers forbid history changes; zooming still works */ }
    draw();
  }

  function drawCrumbs() {
    crumbs.textContent = "";
    const path = [];
    for (let j = focus; j >= 0; j = nodes[j].p) path.unshift(j);
    path.forEach((j, k) => {
      const btn = document.createElement("button");
      btn.type = "button";
      btn.textContent = nodes[j].n;
      btn.disabled = j === focus;
      btn.addEventListener("click", () => zoom(j));
      crumbs.appendChild(btn);
      if (k + 1 < path.length) crumbs.appendChild(document.createTextNode(" › "));
    });
    if (focus !== 0) {
      const reset = document.createElement("button");
      reset.type = "button";
      reset.textContent = "reset zoom";
      reset.addEventListener("click", () => zoom(0));
      crumbs.appendChild(reset);
    }
  }

  // Width is cumulative time; where the children's medians add up to more
  // than their parent's (medians do not add), they are scaled to fit it.
  function layout(width) {
    const frames = [];
    const ancestors = [];
    for (let j = nodes[focus].p; j >= 0; j = nodes[j].p) ancestors.unshift(j);
    ancestors.forEach((j, row) => frames.push({ i: j, x: 0, w: width, row: row, anc: true }));
    const place = (i, x, w, row) => {
      frames.push({ i: i, x: x, w: w, row: row, anc: false });
      const ks = kids[i];
      const sum = ks.reduce((acc, k) => acc + nodes[k].c, 0);
      const room = Math.max(nodes[i].c, sum);
      if (room <= 0) return;
      const perMs = w / room;
      let cx = x;
      for (const k of ks) {
        const kw = nodes[k].c * perMs;
        if (kw >= 0.4) place(k, cx, kw, row + 1);
        cx += kw;
      }
    };
    place(focus, 0, width, ancestors.length);
    return frames;
  }

  function label(name, w) {
    const fit = Math.floor((w - 6) / CHAR);
    if (fit < 3) return "";
    return name.length <= fit ? name : name.slice(0, fit - 1) + "…";
  }

  function draw() {
    const width = Math.max(320, Math.floor(box.clientWidth || 1200));
    const frames = layout(width);
    const rows = frames.reduce((m, f) => Math.max(m, f.row + 1), 1);
    svg.textContent = "";
    svg.setAttribute("viewBox", "0 0 " + width + " " + rows * ROW);
    svg.setAttribute("width", String(width));
    svg.setAttribute("height", String(rows * ROW));
    svg.setAttribute("data-focus", nodes[focus].n);
    for (const f of frames) {
      const n = nodes[f.i];
      const g = document.createElementNS(SVG, "g");
      g.setAttribute("class", "frame " + cls(n) + (f.anc ? " ancestor" : ""));
      g.setAttribute("data-name", n.n);
      g.setAttribute("data-cum", String(n.c));
      g.setAttribute("data-self", String(n.s));
      g.setAttribute("data-w", f.w.toFixed(2));
      const r = document.createElementNS(SVG, "rect");
      r.setAttribute("x", f.x.toFixed(2));
      r.setAttribute("y", String(f.row * ROW));
      r.setAttribute("width", f.w.toFixed(2));
      r.setAttribute("height", String(ROW - 1));
      r.setAttribute("class", cls(n));
      g.appendChild(r);
      const t = document.createElementNS(SVG, "text");
      t.setAttribute("x", (f.x + 3).toFixed(2));
      t.setAttribute("y", String(f.row * ROW + 13));
      t.textContent = label(n.n + " " + fmt(n.c), f.w) || label(n.n, f.w);
      g.appendChild(t);
      const title = document.createElementNS(SVG, "title");
      title.textContent = (f.i === 0 ? n.n : chain(f.i).join(" → ")) + "\n" + describe(f.i);
      g.appendChild(title);
      g.addEventListener("mouseenter", () => show(f.i));
      // Clicking the frame in focus zooms back out one level.
      g.addEventListener("click", () => zoom(f.i === focus && !f.anc ? Math.max(nodes[f.i].p, 0) : f.i));
      svg.appendChild(g);
    }
    drawCrumbs();
    svg.setAttribute("data-frames", String(frames.length));
  }

  document.addEventListener("keydown", (e) => {
    if (e.key === "Escape" && focus !== 0) zoom(Math.max(nodes[focus].p, 0));
  });
  window.addEventListener("hashchange", () => {
    focus = fromHash();
    draw();
  });
  let pending = 0;
  window.addEventListener("resize", () => {
    clearTimeout(pending);
    pending = setTimeout(draw, 100);
  });
  draw();
})();
