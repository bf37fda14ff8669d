// The Evidence page's scatter: any two sources' percentiles, one dot per
// occupation sized by jobs, and the occupations on which the two disagree
// most. Titles are untrusted text and only ever reach the page as text.
// Bundled with its modules by esbuild (website/render.py) into assets/evidence.js.
import {$, newSvg, svgEl} from "./dom.mjs";

{
  const data = JSON.parse(document.getElementById("evidence-data").textContent);
  const base = document.body.dataset.base;
  const ordinal = v => data.ordinals[Math.round(v)]; // how readers say a percentile (website/words.py writes the rule)
  const index = new Map(data.items.map((item, i) => [item.name, i]));

  // 1. The two choices, from the URL or the first criterion against the first measure.
  const params = new URLSearchParams(location.search);
  const firstMeasure = data.items.findIndex(item => item.kind === "measure");
  const state = {
    x: index.has(params.get("x")) ? params.get("x") : data.items[0].name,
    y: index.has(params.get("y")) ? params.get("y") : data.items[Math.max(1, firstMeasure)].name,
  };
  for (const [id, axis] of [
    ["pair-x", "x"],
    ["pair-y", "y"],
  ]) {
    const select = $(id);
    for (const item of data.items) {
      const option = document.createElement("option");
      option.value = item.name;
      option.textContent = `${item.short} (${item.source})`;
      select.append(option);
    }
    select.value = state[axis];
    select.addEventListener("change", () => {
      state[axis] = select.value;
      const p = new URLSearchParams({x: state.x, y: state.y});
      history.replaceState(null, "", location.pathname + "?" + p + location.hash);
      draw();
    });
  }

  // 2. The scatter: percentile against percentile, the diagonal where they agree.
  function draw() {
    const plot = $("pair-plot"),
      xi = index.get(state.x),
      yi = index.get(state.y);
    const points = data.occupations.filter(o => o[3][xi] != null && o[3][yi] != null);
    const width = Math.max(280, Math.min(plot.clientWidth || 600, 720)),
      height = Math.round(width * 0.8);
    const m = {l: 40, r: 10, t: 10, b: 40};
    const px = v => m.l + ((width - m.l - m.r) * v) / 100,
      py = v => height - m.b - ((height - m.t - m.b) * v) / 100;
    const svg = newSvg();
    svg.setAttribute("viewBox", `0 0 ${width} ${height}`);
    svg.setAttribute("role", "img");
    svg.setAttribute(
      "aria-label",
      `${data.items[xi].short} against ${data.items[yi].short}: each dot an occupation, by percentile`,
    );
    for (const t of [0, 25, 50, 75, 100]) {
      svgEl(svg, "line", {x1: px(t), x2: px(t), y1: py(0), y2: py(100), class: "grid"});
      svgEl(svg, "line", {x1: px(0), x2: px(100), y1: py(t), y2: py(t), class: "grid"});
      svgEl(svg, "text", {x: px(t), y: height - m.b + 14, "text-anchor": "middle"}, t);
      svgEl(svg, "text", {x: m.l - 6, y: py(t) + 4, "text-anchor": "end"}, t);
    }
    svgEl(svg, "line", {x1: px(0), y1: py(0), x2: px(100), y2: py(100), class: "diagonal"});
    svgEl(
      svg,
      "text",
      {x: px(100), y: height - 4, "text-anchor": "end", class: "axis-title"},
      data.items[xi].short + " (percentile)",
    );
    svgEl(svg, "text", {x: m.l + 4, y: m.t + 12, class: "axis-title"}, "↑ " + data.items[yi].short + " (percentile)");
    // The picture is one image to a screen reader (its label, then the list
    // below it); a dot opens its occupation's page for a pointer only, so
    // that no link hides inside an image.
    for (const o of [...points].sort((a, b) => b[2] - a[2])) {
      const dot = svgEl(svg, "circle", {cx: px(o[3][xi]), cy: py(o[3][yi]), r: 1.5 + Math.sqrt(o[2]) / 160, "data-slug": o[0]});
      svgEl(
        dot,
        "title",
        {},
        `${o[1]}: ${ordinal(o[3][xi])} on ${data.items[xi].short}, ${ordinal(o[3][yi])} on ${data.items[yi].short}`,
      );
    }
    svg.addEventListener("click", e => {
      const dot = e.target.closest("circle[data-slug]");
      if (dot) location.assign(base + "occupations/" + dot.dataset.slug + ".html");
    });
    plot.replaceChildren(svg);

    const pair = data.agreement[`${state.x}|${state.y}`] || data.agreement[`${state.y}|${state.x}`];
    $("pair-stat").textContent =
      state.x === state.y
        ? "The same source on both axes."
        : pair
          ? `Spearman ${pair[1].toFixed(2)} (95% interval ${pair[2].toFixed(2)} to ${pair[3].toFixed(2)}) over ${pair[0]} occupations; weighted by jobs ${pair[4].toFixed(2)}.`
          : `${points.length} occupations in common.`;

    const list = $("pair-disagree");
    list.replaceChildren();
    const far = [...points].sort((a, b) => Math.abs(b[3][xi] - b[3][yi]) - Math.abs(a[3][xi] - a[3][yi])).slice(0, 8);
    for (const o of state.x === state.y ? [] : far) {
      const li = document.createElement("li"),
        link = document.createElement("a");
      link.href = base + "occupations/" + o[0] + ".html";
      link.textContent = o[1];
      li.append(
        link,
        document.createTextNode(
          `: ${ordinal(o[3][xi])} on ${data.items[xi].short}, ${ordinal(o[3][yi])} on ${data.items[yi].short}`,
        ),
      );
      list.append(li);
    }
  }

  draw();
  let width = $("pair-plot").clientWidth;
  new ResizeObserver(() => {
    if (Math.abs($("pair-plot").clientWidth - width) < 2) return;
    width = $("pair-plot").clientWidth;
    draw();
  }).observe($("pair-plot"));
}
