// The argus profile viewer: draws the view model embedded in the page (see
// profiler/src/view.rs) with d3-flame-graph, and the tables around it. The page is
// self-contained; only a served page (ARGUS_LIVE) asks its server for another time range.
"use strict";

const state = {
  view: JSON.parse(document.getElementById("view-data").textContent),
  weight: null,
  chart: null,
  exactTerms: null,
};

const $ = (id) => document.getElementById(id);

function el(tag, attrs, ...children) {
  const node = document.createElement(tag);
  for (const [k, v] of Object.entries(attrs || {})) {
    if (k === "class") node.className = v;
    else if (k.startsWith("on")) node.addEventListener(k.slice(2), v);
    else node.setAttribute(k, v);
  }
  for (const child of children) {
    if (child === null || child === undefined) continue;
    node.append(child instanceof Node ? child : String(child));
  }
  return node;
}

function duration(ns) {
  if (ns === null || ns === undefined) return "–";
  const s = ns / 1e9;
  if (s >= 3600) return (s / 3600).toFixed(1) + " h";
  if (s >= 60) return (s / 60).toFixed(1) + " min";
  if (s >= 1) return s.toFixed(2) + " s";
  if (s >= 1e-3) return (s * 1e3).toFixed(1) + " ms";
  return (s * 1e6).toFixed(0) + " µs";
}

function percent(part, whole) {
  if (!whole) return "–";
  const p = (100 * part) / whole;
  return (p >= 10 ? p.toFixed(0) : p.toFixed(1)) + "%";
}

function signedPercent(part, whole) {
  if (!whole) return "–";
  const p = (100 * part) / whole;
  return (p > 0 ? "+" : "") + p.toFixed(1) + "%";
}

function when(ns) {
  return new Date(ns / 1e6).toISOString().replace("T", " ").replace(/\.\d+Z$/, "Z");
}

function total(weight) {
  return weight === "cpu" ? state.view.meta.cpu_ns : state.view.meta.wall_ns;
}

function renderMeta() {
  const m = state.view.meta;
  const parts = [
    m.runtime,
    m.target ? "target " + m.target : null,
    m.duration_ns ? "recorded " + duration(m.duration_ns) : null,
    m.start_unix_ns ? "from " + when(m.start_unix_ns) : null,
    m.samples.toLocaleString("en") + " samples",
    "CPU " + duration(m.cpu_ns),
    "wall " + duration(m.wall_ns),
  ].filter(Boolean);
  let text = parts.join(" · ");
  if (state.view.before) {
    const b = state.view.before;
    text = "after: " + text + " — before: " + b.source + ", " + b.samples.toLocaleString("en") +
      " samples, CPU " + duration(b.cpu_ns) + ", wall " + duration(b.wall_ns);
  }
  $("meta").textContent = text;
  $("legend").hidden = !state.view.before;
}

// --- Flamegraph -------------------------------------------------------------------------

function drawFlame() {
  const container = $("flame");
  container.textContent = "";
  const diff = !!state.view.before;
  // The UMD bundle exports a module object: `default` is the chart factory.
  const chart = flamegraph.default()
    .width(Math.max(400, container.clientWidth))
    .cellHeight(18)
    .transitionDuration(300)
    .minFrameSize(1)
    .inverted($("icicle").checked)
    .sort(true)
    .setDetailsElement($("details"))
    .setLabelHandler((d) => {
      const v = d.value;
      let text = d.data.n + " — " + duration(v) + " (" + percent(v, total(state.weight)) + ")";
      if (diff && typeof d.data.d === "number") {
        text += ", change " + (d.data.d >= 0 ? "+" : "−") + duration(Math.abs(d.data.d));
      }
      return text;
    })
    .setSearchMatch((d, term) => {
      if (!term) return false;
      if (state.exactTerms) return state.exactTerms.has(d.data.n);
      try {
        return new RegExp(term, "i").test(d.data.n);
      } catch (_) {
        return d.data.n.toLowerCase().includes(term.toLowerCase());
      }
    })
    .setSearchHandler((results, sum, whole) => {
      $("details").textContent = results.length
        ? results.length + " frames match, " + duration(sum) + " (" + percent(sum, whole) + ")"
        : "no frame matches";
    });
  if (diff) chart.setColorMapper(flamegraph.colorMapper.differentialColorMapper);
  d3.select(container).datum(state.view.flame[state.weight]).call(chart);
  state.chart = chart;
  const p = state.view.pruning;
  const dropped = state.weight === "cpu" ? p.dropped_cpu : p.dropped_wall;
  $("pruning").textContent = dropped
    ? dropped.toLocaleString("en") + " frames lighter than " + (100 * p.min_share).toFixed(2) +
      "% of the total (or beyond the " + p.max_nodes.toLocaleString("en") + " heaviest) are not drawn."
    : "";
  const term = $("search").value;
  if (term) chart.search(term);
}

function rootNode() {
  return d3.select("#flame").datum();
}

// Highlights the frames with these exact labels and zooms to the heaviest of them.
function showFrames(labels, weight) {
  if (weight && weight !== state.weight) setWeight(weight);
  const wanted = new Set(labels);
  state.exactTerms = wanted;
  $("search").value = labels.join(" | ");
  state.chart.search(labels.join("|") || "\u0000");
  let best = null;
  rootNode().each((d) => {
    if (wanted.has(d.data.n) && (!best || d.value > best.value)) best = d;
  });
  if (best) state.chart.zoomTo(best);
  $("flame-section").scrollIntoView({ behavior: "smooth", block: "start" });
}

function setWeight(weight) {
  state.weight = weight;
  for (const input of document.querySelectorAll('input[name="weight"]')) {
    input.checked = input.value === weight;
  }
  drawFlame();
  renderHot();
}

// --- Recommendations -------------------------------------------------------------------

function renderAdvice() {
  const list = $("advice");
  list.textContent = "";
  const advice = state.view.advice || [];
  if (!advice.length) {
    list.append(el("li", { class: "none" }, "No recommendation fired on this profile."));
    return;
  }
  for (const a of advice) {
    const sites = (a.call_sites || []).map((s) =>
      el("li", {}, el("code", {}, s.label), s.file ? " " + s.file + (s.line ? ":" + s.line : "") : "",
        " — " + percent(s.share, 1)));
    list.append(el("li", { class: "advice", "data-id": a.id },
      el("div", { class: "head" },
        el("span", { class: "name" }, a.name),
        el("span", { class: "share" }, percent(a.share, 1) + " of " + a.weight),
        el("span", { class: "id" }, a.id)),
      el("p", {}, el("span", { class: "label" }, "Found: "), a.found),
      el("p", {}, el("span", { class: "label" }, "Why: "), a.why),
      el("p", {}, el("span", { class: "label" }, "Fix: "), a.action || ""),
      a.fix ? el("p", { class: "fix" }, a.fix) : null,
      a.saving ? el("p", {}, el("span", { class: "label" }, "Saving: "), a.saving) : null,
      sites.length ? el("p", {}, el("span", { class: "label" }, "Called from:")) : null,
      sites.length ? el("ul", {}, ...sites) : null,
      el("button", { type: "button", class: "show-frames",
        onclick: () => showFrames(a.entry_frames || [], a.weight) }, "Show in flamegraph")));
  }
}

// --- Hot functions ----------------------------------------------------------------------

function renderHot() {
  const table = $("hot");
  const rows = (state.view.hot[state.weight] || []).slice(0, 50);
  const whole = total(state.weight);
  const diff = !!state.view.before;
  $("hot-weight").textContent = "(" + state.weight + " time, top " + rows.length + ")";
  const head = diff
    ? ["Function", "Self before", "Self after", "Change", "Total after"]
    : ["Function", "Self", "Self %", "Total", "Total %"];
  table.tHead.textContent = "";
  table.tHead.append(el("tr", {}, ...head.map((h) => el("th", {}, h))));
  const body = table.tBodies[0];
  body.textContent = "";
  for (const r of rows) {
    const cells = diff
      ? (() => {
        const change = r.self_ns - (r.before_self_ns || 0);
        return [
          el("td", {}, duration(r.before_self_ns)),
          el("td", {}, duration(r.self_ns)),
          el("td", { class: change > 0 ? "up" : change < 0 ? "down" : "" }, signedPercent(change, whole)),
          el("td", {}, duration(r.total_ns)),
        ];
      })()
      : [
        el("td", {}, duration(r.self_ns)),
        el("td", {}, percent(r.self_ns, whole)),
        el("td", {}, duration(r.total_ns)),
        el("td", {}, percent(r.total_ns, whole)),
      ];
    body.append(el("tr", { onclick: () => showFrames([r.label]) },
      el("td", { class: "fn", title: r.label }, r.label), ...cells));
  }
}

// --- Thread states ----------------------------------------------------------------------

const STATES = ["running", "lock", "io", "sleeping", "idle"];

function renderThreads() {
  const table = $("threads");
  table.tHead.textContent = "";
  table.tHead.append(el("tr", {},
    el("th", {}, "Thread"),
    el("th", {}, "By state"),
    el("th", {}, "Wall")));
  const legend = $("thread-legend");
  legend.textContent = "";
  legend.append(...STATES.flatMap((s) => [el("span", { class: "key s-" + s }), s + " "]));
  const body = table.tBodies[0];
  body.textContent = "";
  const rows = state.view.threads.slice(0, 30);
  const all = { label: "all threads" };
  for (const s of STATES) all[s] = state.view.threads.reduce((sum, t) => sum + t[s], 0);
  for (const t of [all, ...rows]) {
    const sum = STATES.reduce((x, s) => x + t[s], 0);
    const bar = el("div", { class: "bar", title: STATES.map((s) => s + " " + percent(t[s], sum)).join(", ") },
      ...STATES.filter((s) => t[s] > 0).map((s) =>
        el("span", { class: "s-" + s, style: "width:" + (100 * t[s] / sum) + "%" })));
    body.append(el("tr", {}, el("td", { class: "fn", title: t.label }, t.label), el("td", {}, bar),
      el("td", {}, duration(sum))));
  }
}

// --- Time range -------------------------------------------------------------------------

function renderRange() {
  const iv = state.view.intervals;
  $("range").hidden = !iv;
  if (!iv) return;
  const from = $("range-from");
  const until = $("range-until");
  from.textContent = "";
  until.textContent = "";
  for (const s of iv.starts_unix_ns) from.append(el("option", { value: s }, when(s)));
  for (const e of iv.ends_unix_ns) until.append(el("option", { value: e }, when(e)));
  from.value = String(iv.from_unix_ns);
  until.value = String(iv.until_unix_ns);
  if (!until.value && until.options.length) until.selectedIndex = until.options.length - 1;
  $("range-note").textContent = iv.starts_unix_ns.length + " intervals" +
    (ARGUS_LIVE ? "" : " · exported: the whole directory, merged");
  for (const control of [from, until, $("range-apply")]) control.disabled = !ARGUS_LIVE;
}

async function applyRange() {
  const from = $("range-from").value;
  const until = $("range-until").value;
  $("range-note").textContent = "loading…";
  try {
    const reply = await fetch("/api/view?from=" + encodeURIComponent(from) + "&until=" + encodeURIComponent(until));
    if (!reply.ok) throw new Error(await reply.text());
    state.view = await reply.json();
    renderAll();
  } catch (error) {
    $("range-note").textContent = String(error.message || error);
  }
}

// --- Wiring -----------------------------------------------------------------------------

function renderAll() {
  renderMeta();
  renderRange();
  renderAdvice();
  renderThreads();
  setWeight(state.weight || state.view.meta.mode);
}

for (const input of document.querySelectorAll('input[name="weight"]')) {
  input.addEventListener("change", () => setWeight(input.value));
}
$("icicle").addEventListener("change", drawFlame);
$("reset").addEventListener("click", () => {
  $("search").value = "";
  state.exactTerms = null;
  state.chart.clear();
  state.chart.resetZoom();
});
$("search").addEventListener("input", () => {
  state.exactTerms = null;
  const term = $("search").value;
  if (term) state.chart.search(term);
  else state.chart.clear();
});
$("range-apply").addEventListener("click", applyRange);
let resizeTimer = null;
window.addEventListener("resize", () => {
  clearTimeout(resizeTimer);
  resizeTimer = setTimeout(drawFlame, 200);
});
renderAll();
document.body.dataset.ready = "true";
