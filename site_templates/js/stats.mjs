// The small charts of the stats panel under the map.
import {el, newSvg, svgEl} from "./dom.mjs";
import {percent} from "./format.mjs";

const sumJobs = list => list.reduce((s, o) => s + o.jobs, 0);

// Rows of a small bar chart: [label, length from 0 to 1, the figure, colour].
export function bars(rows, of) {
  const table = el("table", {class: "bars"});
  table.append(el("caption", {class: "muted"}, of));
  for (const [label, length, text, colour] of rows) {
    const tr = el("tr"),
      td = el("td");
    td.append(el("span", {class: "well"}, ""), el("span", {class: "num"}, text));
    td.firstChild.append(el("span", {class: "fill", style: `width:${(100 * length).toFixed(1)}%;background:${colour}`}));
    tr.append(el("th", {scope: "row"}, label), td);
    table.append(tr);
  }
  return table;
}

// The share of all jobs (totalJobs) in each of layer l's bins, of the occupations found.
export function histogram(l, found, totalJobs) {
  // An open end of a bin (null) runs to the end of the numbers; its bar has the colour of the domain's end.
  const bins = l.bins.map(([lo, hi, name]) => [lo ?? -Infinity, hi ?? Infinity, name]);
  const jobs = bins.map(([lo, hi]) => sumJobs(found.filter(o => l.value(o) >= lo && l.value(o) < hi)));
  const most = Math.max(...jobs, 1),
    w = 300,
    bar = w / bins.length;
  const svg = newSvg();
  svg.setAttribute("viewBox", `0 0 ${w} 124`);
  svg.setAttribute("role", "img");
  svg.setAttribute(
    "aria-label",
    `Share of all jobs at each value of ${l.short}: ` + bins.map((b, i) => `${b[2]}: ${percent(jobs[i], totalJobs)}`).join("; "),
  );
  bins.forEach(([lo, , name], i) => {
    const h = (80 * jobs[i]) / most,
      x = i * bar + bar / 2;
    svgEl(svg, "rect", {
      x: i * bar + 2,
      y: 100 - h,
      width: bar - 4,
      height: h,
      fill: l.color(Number.isFinite(lo) ? lo : l.domain[0]),
    });
    svgEl(svg, "text", {x, y: 96 - h, "text-anchor": "middle"}, Math.round((100 * jobs[i]) / totalJobs) + "%");
    svgEl(svg, "text", {x, y: 116, "text-anchor": "middle", class: "axis"}, name);
  });
  return svg;
}
