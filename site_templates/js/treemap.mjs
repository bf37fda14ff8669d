// The home page: occupations as a treemap (area = jobs), coloured by a layer,
// with a legend, a stats panel, search, a score-against-pay chart and the
// view kept in the URL. Titles and rationales are untrusted text: they only
// ever reach the page through textContent, never as HTML. Bundled with its
// modules by esbuild (website/render.py) into the page.
import {$, el, newSvg, svgEl} from "./dom.mjs";
import {money, numbers, oneDecimal, percent} from "./format.mjs";
import {clamp, makeLayers} from "./layers.mjs";
import {drawLegend} from "./legend.mjs";
import {makeMap} from "./map.mjs";
import {placeTooltip} from "./place.mjs";
import {GLOBAL as SEARCH} from "./search.mjs";
import {readState, writeState} from "./state.mjs";
import {bars, histogram} from "./stats.mjs";
import {tooltipRows} from "./tooltip.mjs";
import {sayView} from "./views.mjs";

const start = () => {
  const data = JSON.parse(document.getElementById("data").textContent);
  const base = document.body.dataset.base;

  // 1. Rows from the compact JSON.
  const occupations = data.occupations.map(row => {
    const o = Object.fromEntries(data.fields.map((field, i) => [field, row[i]]));
    o.categoryName = data.categories[o.category];
    o.outlook_desc = data.outlooks[o.outlook_desc];
    return o;
  });
  const bySlug = new Map(occupations.map(o => [o.slug, o]));
  let details = {why: {}, measures: {}, consensus: {}};

  const MISSING = data.missing;
  // Percentiles arrive with the details, with how readers say each (website/words.py writes the rule).
  const ordinal = v => (details.ordinals || [])[Math.round(v)] || String(Math.round(v));
  // 2. Layers, as the build's catalogue describes them.
  const layers = makeLayers(data, ordinal);
  const layerById = new Map(layers.map(l => [l.id, l]));

  // 3. State, read from and written to the URL (state.mjs).
  const defaultLayer = data.first;
  const state = readState(location.search, {layers: layerById, defaultLayer, slugs: bySlug, space: data.space});
  const saveState = (push = false) => writeState(state, defaultLayer, push);
  const layer = () => layerById.get(state.layer);
  const fill = (l, o) => {
    const v = l.value(o);
    return v == null ? MISSING : l.color(v);
  };

  // 4. The treemap (map.mjs).
  const treemap = $("treemap");
  const map = makeMap({element: treemap, categories: data.categories, occupations, bySlug, base, fill});
  const {tiles, measure} = map;
  function drawTreemap() {
    map.draw(layer(), state.size, state.selected);
    highlight();
  }
  const recolour = () => map.recolour(layer());

  // 5. Tooltip: hover or focus on a computer, tap on a phone.
  const tooltip = $("tooltip");
  // Shown by a mouse passing over (hover), it lets the pointer through to the tiles it covers and
  // has no link to follow; shown by a tap or the keyboard, its link comes first, so that a panel
  // cut to the room beside its tile shows it, and the figure that colours the tile, whatever is cut.
  function showTooltip(o, anchor, hover = false) {
    const l = layer();
    tooltip.replaceChildren(el("strong", {}, o.title), el("span", {class: "muted"}, o.categoryName));
    if (!hover)
      tooltip.append(el("a", {class: "open", href: base + "occupations/" + o.slug + ".html"}, "Open the occupation's page →"));
    const rows = tooltipRows(o, l, layers, details, ordinal, data.years[0]);
    const dl = el("dl");
    for (const [k, v] of rows) dl.append(el("dt", {}, k), el("dd", {}, v));
    tooltip.append(dl);
    if (l.tip === "shown") tooltip.append(el("p", {class: "muted"}, l.title));
    if (l.criterion) {
      // Why it has its score (the run's reason, or what people judged of its tasks), and who made it.
      const why = details.why?.[l.id]?.[o.slug];
      if (why) tooltip.append(el("p", {class: "rationale"}, why));
      tooltip.append(el("p", {class: "muted"}, l.criterion.source));
    }
    tooltip.hidden = false;
    tooltip.classList.toggle("passive", hover);
    placeTooltip(tooltip, anchor, tooltip.parentElement);
  }
  const hideTooltip = () => {
    tooltip.hidden = true;
  };
  let touched = null,
    wasSelected = false;
  treemap.addEventListener("pointerover", e => {
    const t = e.target.closest(".tile");
    if (t && e.pointerType === "mouse") showTooltip(bySlug.get(t.dataset.slug), t, true);
  });
  treemap.addEventListener("pointerleave", e => {
    if (e.pointerType === "mouse") hideTooltip();
  });
  treemap.addEventListener("focusin", e => {
    const t = e.target.closest(".tile");
    if (t) select(t.dataset.slug, false);
  });
  treemap.addEventListener("pointerdown", e => {
    touched = e.pointerType === "mouse" ? null : e.target.closest(".tile");
    wasSelected = Boolean(touched) && state.selected === touched.dataset.slug && !tooltip.hidden;
  });
  treemap.addEventListener("click", e => {
    const t = e.target.closest(".tile");
    // On a touch screen the first tap shows the details; a second tap on the same tile opens its page.
    if (t && touched === t && !wasSelected) {
      e.preventDefault();
      select(t.dataset.slug, false);
    }
  });
  // The map is one Tab stop; the arrow keys move to the nearest tile that
  // way on screen, Home and End to the first and last, Enter opens a page.
  treemap.addEventListener("keydown", e => {
    const t = e.target.closest(".tile");
    if (!t) return;
    if (e.key === "Escape") {
      hideTooltip();
      return;
    }
    const order = [...tiles.values()];
    const next = e.key === "Home" ? order[0] : e.key === "End" ? order[order.length - 1] : neighbour(t, e.key);
    if (next) {
      e.preventDefault();
      t.tabIndex = -1;
      next.tabIndex = 0;
      next.focus();
    }
  });
  function neighbour(from, key) {
    const dir = {ArrowRight: [1, 0], ArrowLeft: [-1, 0], ArrowDown: [0, 1], ArrowUp: [0, -1]}[key];
    if (!dir) return null;
    const centre = r => [r.left + r.width / 2, r.top + r.height / 2];
    const [fx, fy] = centre(from.getBoundingClientRect());
    let best = null,
      bestScore = Infinity;
    for (const tile of tiles.values()) {
      if (tile === from) continue;
      const [x, y] = centre(tile.getBoundingClientRect());
      const along = (x - fx) * dir[0] + (y - fy) * dir[1],
        across = Math.abs((x - fx) * dir[1] + (y - fy) * dir[0]);
      if (along <= 0.5) continue;
      // Straight ahead before off to the side.
      const score = along + 2 * across;
      if (score < bestScore) {
        best = tile;
        bestScore = score;
      }
    }
    return best;
  }
  function select(slug, focus) {
    state.selected = slug;
    saveState();
    const tile = tiles.get(slug);
    for (const t of treemap.querySelectorAll(".selected")) t.classList.remove("selected");
    if (tile) {
      for (const t of tiles.values()) t.tabIndex = -1;
      tile.tabIndex = 0;
      tile.classList.add("selected");
      if (focus) tile.focus({preventScroll: false});
      showTooltip(bySlug.get(slug), tile);
    }
  }

  // 6. Layer switch and legend. A radio group and a tab list are one Tab
  // stop each, the arrow keys moving within them and choosing as they go.
  const buttons = $("layer-buttons"),
    views = $("views");
  function mark(group, attribute, on) {
    const items = [...group.querySelectorAll("button")];
    for (const b of items) {
      b.setAttribute(attribute, String(on(b)));
      b.tabIndex = on(b) ? 0 : -1;
    }
    if (!items.some(on)) items[0].tabIndex = 0;
  }
  function roving(group, choose) {
    group.addEventListener("keydown", e => {
      const items = [...group.querySelectorAll("button")],
        i = items.indexOf(e.target);
      const step = {ArrowRight: 1, ArrowDown: 1, ArrowLeft: -1, ArrowUp: -1}[e.key];
      if (i < 0 || !step) return;
      e.preventDefault();
      const next = items[(i + step + items.length) % items.length];
      choose(next);
      next.focus();
    });
  }
  // The buttons and choices come with the page (index.html), so nothing moves when this script starts.
  mark(buttons, "aria-checked", b => b.dataset.layer === state.layer);
  for (const b of buttons.children) b.addEventListener("click", () => setLayer(b.dataset.layer));
  roving(buttons, b => setLayer(b.dataset.layer));
  const layerSelect = $("layer-select");
  layerSelect.value = state.layer;
  layerSelect.addEventListener("change", () => setLayer(layerSelect.value));
  const sizeSelect = $("size-by");
  sizeSelect.value = state.size;
  sizeSelect.addEventListener("change", () => {
    state.size = sizeSelect.value;
    saveState(true);
    drawTreemap();
  });
  function setLayer(id, push = true) {
    state.layer = id;
    saveState(push);
    mark(buttons, "aria-checked", b => b.dataset.layer === id);
    layerSelect.value = id;
    if (state.view === "treemap") recolour();
    else draw();
    legend();
    stats();
    headline();
    if (state.selected && !tooltip.hidden) showTooltip(bySlug.get(state.selected), tiles.get(state.selected));
  }
  function legend() {
    drawLegend($("legend"), layer(), occupations, MISSING);
  }
  // The one sentence above the map: what this layer shows, from the data.
  const sumJobs = list => list.reduce((s, o) => s + o.jobs, 0);
  const totalJobs = sumJobs(occupations);
  const share = list => percent(sumJobs(list), totalJobs);
  const wages = list => money(list.reduce((s, o) => s + (o.pay ? o.pay * o.jobs : 0), 0));
  const known = l => occupations.filter(o => l.value(o) != null);
  const topTiers = l => l.criterion.tiers.slice(Math.floor(l.criterion.tiers.length / 2));
  const degree = o => o.education >= data.degree && o.education !== data.varies;
  function headline() {
    const l = layer(),
      found = known(l);
    let text;
    if (l.criterion) {
      const from = topTiers(l)[0],
        high = found.filter(o => l.value(o) >= from.min);
      text = `Occupations scoring ${from.min} or more on ${l.title} (“${from.name}” and up) hold ${share(high)} of jobs and ${wages(high)} a year in wages.`;
    } else if (l.id === "outlook") {
      text = `Occupations projected to grow 5% or more by ${data.years[1]} hold ${share(found.filter(o => o.outlook >= 5))} of jobs; those projected to shrink hold ${share(found.filter(o => o.outlook < 0))}.`;
    } else if (l.id === "pay") {
      const sorted = [...found].sort((a, b) => a.pay - b.pay),
        half = sumJobs(found) / 2;
      let run = 0,
        median = null;
      for (const o of sorted) {
        run += o.jobs;
        if (run >= half) {
          median = o.pay;
          break;
        }
      }
      text = `Half of all jobs are in occupations whose median pay is below $${numbers.format(median)} a year.`;
    } else if (l.id === "education") {
      text =
        data.degree == null
          ? ""
          : `${share(found.filter(degree))} of jobs are in occupations that need a bachelor's degree or more to enter.`;
    } else if (l.late && !details.loaded) {
      text = "Loading the published measures…";
    } else if (l.tip === "shown") {
      text = `Occupations in the top quarter on ${l.choice || l.short} hold ${share(found.filter(o => l.value(o) >= 75))} of jobs.`;
    } else if (l.id !== "disagreement") {
      text = `${l.title}: the ${found.length} occupations with a figure hold ${share(found)} of jobs.`;
    } else {
      const apart = found.filter(o => l.value(o) >= 50);
      text = `The published measures place ${apart.length} occupations, with ${share(apart)} of jobs, 50 or more percentile points apart.`;
    }
    $("headline").textContent = text;
  }

  // 7. The figures under the map, read at a glance: a few big numbers, each
  // saying what it is of, then small labelled charts of the layer across
  // all jobs, by pay and by education. None is a live region: a new layer
  // is announced by the sentence above the map, not by every figure.
  const PAY_BANDS = [
    [0, 35000, "Under $35k"],
    [35000, 50000, "$35k–50k"],
    [50000, 75000, "$50k–75k"],
    [75000, 100000, "$75k–100k"],
    [100000, Infinity, "$100k or more"],
  ];
  const weighted = (l, list) => {
    const jobs = sumJobs(list);
    return jobs ? list.reduce((s, o) => s + l.value(o) * o.jobs, 0) / jobs : null;
  };
  // An average in the layer's own terms: dollars for pay, a percent for outlook, a score of its scale.
  const average = (l, v) =>
    v == null
      ? "—"
      : l.id === "pay"
        ? "$" + numbers.format(Math.round(v / 100) * 100)
        : l.id === "outlook"
          ? (v > 0 ? "+" : "") + oneDecimal.format(v) + "%"
          : l.criterion
            ? oneDecimal.format(v) + " of " + l.domain[1]
            : l.say === "ordinal"
              ? ordinal(v)
              : Math.round(v);
  function stats() {
    const l = layer(),
      panel = $("stats"),
      found = known(l),
      scored = `${found.length} of ${occupations.length}`;
    const card = (title, ...nodes) => {
      const section = el("section", {class: "card"});
      section.append(el("h3", {}, title), ...nodes);
      panel.append(section);
    };
    const figures = (...pairs) => {
      const dl = el("dl", {class: "figures"});
      for (const [value, what, name] of pairs) {
        const item = el("div");
        item.append(el("dt", {}, what), el("dd", name ? {"data-stat": name} : {}, value));
        dl.append(item);
      }
      return dl;
    };
    const where = test => share(found.filter(test));
    const byGroup = (groups, of) =>
      bars(
        groups.map(([name, members]) => {
          const v = weighted(
            l,
            members.filter(o => l.value(o) != null),
          );
          return [name, v == null ? 0 : Math.max(0.02, l.pos(v)), average(l, v), v == null ? MISSING : l.color(v)];
        }),
        of,
      );
    panel.replaceChildren(el("h2", {}, l.title));
    if (!found.length) return;
    if (l.criterion) {
      const from = topTiers(l)[0],
        high = found.filter(o => l.value(o) >= from.min);
      card(
        "At a glance",
        figures(
          [average(l, weighted(l, found)), `${l.short} of the average job (weighted by jobs)`, "weighted"],
          [share(high), `of jobs score ${from.min} or more (“${from.name}” and up)`, "top-tiers"],
          [wages(high), "a year in wages paid in those jobs"],
          [scored, "occupations scored"],
        ),
      );
    } else if (l.id === "outlook") {
      card(
        "At a glance",
        figures(
          [
            average(l, weighted(l, found)),
            `projected change in jobs, ${data.years[0]}–${data.years[1]} (all occupations, weighted by jobs)`,
            "weighted",
          ],
          [where(o => o.outlook >= 5), "of jobs in occupations projected to grow 5% or more"],
          [where(o => o.outlook < 0), "of jobs in occupations projected to shrink"],
          [scored, "occupations with a projection"],
        ),
      );
    } else if (l.id === "pay") {
      card(
        "At a glance",
        figures(
          [average(l, weighted(l, found)), "average yearly median pay, weighted by jobs", "weighted"],
          [where(o => o.pay < 50000), "of jobs in occupations with a median under $50,000 a year"],
          [where(o => o.pay >= 100000), "of jobs in occupations with a median of $100,000 or more"],
          [scored, "occupations with a yearly median (the others are paid by the hour)"],
        ),
      );
    } else if (l.categorical) {
      card(
        "At a glance",
        figures(
          [where(degree), "of jobs need a bachelor's degree or more to enter"],
          [where(o => o.education <= 1), "of jobs need a high school diploma or less"],
        ),
      );
      card(
        "Share of all jobs, by entry-level education",
        bars(
          l.categories.map((name, i) => {
            const jobs = sumJobs(occupations.filter(o => o.education === i));
            return [name, jobs / totalJobs, percent(jobs, totalJobs), l.color(i)];
          }),
          "share of jobs",
        ),
      );
      return;
    } else if (l.tip === "shown") {
      card(
        "At a glance",
        figures(
          [where(o => l.value(o) >= 75), `of jobs in the occupations it places in the top quarter`],
          [where(o => l.value(o) < 25), "of jobs in those in the bottom quarter"],
          [scored, "occupations it reaches"],
        ),
      );
    } else if (l.id !== "disagreement") {
      card(
        "At a glance",
        figures(
          [average(l, weighted(l, found)), `${l.short} of the average job (weighted by jobs)`, "weighted"],
          [scored, "occupations with a figure"],
        ),
      );
    } else {
      card(
        "At a glance",
        figures(
          [
            String(found.filter(o => l.value(o) >= 50).length),
            "occupations the measures place 50 or more percentile points apart",
          ],
          [
            Math.round(weighted(l, found)) + " points",
            "between the lowest and highest, for the average job (weighted by jobs)",
            "weighted",
          ],
          [scored, "occupations reached by at least two measures"],
        ),
      );
    }
    if (l.bins.length) card(`Share of all jobs, by ${l.histogram || l.title.toLowerCase()}`, histogram(l, found, totalJobs));
    if (l.id !== "pay")
      card(
        `${l.short}, by median pay`,
        byGroup(
          PAY_BANDS.map(([lo, hi, name]) => [name, found.filter(o => o.pay >= lo && o.pay < hi)]),
          "average, weighted by jobs",
        ),
      );
    card(
      `${l.short}, by entry-level education`,
      byGroup(
        layerById.get("education").categories.map((name, i) => [name, found.filter(o => o.education === i)]),
        "average, weighted by jobs",
      ),
    );
  }
  // 8. Search over every name an occupation is known by (search.mjs says
  // the rule); the names load when the visitor first searches.
  const search = $("search"),
    results = $("search-results"),
    status = $("search-status");
  // The search's code (search.mjs, as assets/search.js) comes with the names, on first use.
  let titles = null,
    finder = null,
    loading = null;
  const withTitles = () =>
    (loading ||= new Promise((resolve, reject) => {
      const script = el("script", {src: base + "assets/search.js"});
      script.onload = () => resolve(window[SEARCH]);
      script.onerror = reject;
      document.head.append(script);
    })
      .then(code => code.loadIndex(() => fetch(base + "data/titles.json")).then(index => [code, index]))
      .then(([code, index]) => {
        finder = code;
        titles = index;
        highlight();
      })
      .catch(() => {
        // Offline or refused: said where the results would be, and asked again at the next keystroke.
        loading = null;
        status.textContent = "The names to search could not be loaded; type again to retry.";
      }));
  function highlight() {
    if (state.q.trim() && !titles) return void withTitles();
    const found = titles ? finder.matches(state.q, titles) : [],
      n = found.length;
    const hits = new Set(found.map(r => r.slug));
    for (const chart of [treemap, $("scatter-plot"), $("space-plot")]) {
      const was = chart.classList.contains("searching");
      chart.classList.toggle("searching", hits.size > 0);
      // Nothing marked, nothing to mark.
      if (!hits.size && !was) continue;
      for (const item of chart.querySelectorAll("[data-slug]")) item.classList.toggle("match", hits.has(item.dataset.slug));
    }
    results.replaceChildren();
    for (const r of found.slice(0, 8)) {
      const slug = r.slug,
        text = finder.label(r) + (bySlug.has(slug) ? "" : " (not on the map: no job count)");
      const li = el("li", {role: "option", tabindex: "-1", "data-slug": slug}, text);
      // A result chosen closes the list, so that it covers neither the map nor the panel it opens.
      const open = () => {
        results.replaceChildren();
        if (bySlug.has(slug)) select(slug, true);
        else location.assign(base + "occupations/" + slug + ".html");
      };
      li.addEventListener("click", open);
      li.addEventListener("keydown", e => {
        const to = {ArrowDown: li.nextSibling, ArrowUp: li.previousSibling || search}[e.key];
        if (e.key === "Enter") open();
        else if (e.key === "Escape") search.focus();
        if (to) {
          e.preventDefault();
          to.focus();
        }
      });
      results.append(li);
    }
    status.textContent = !state.q.trim()
      ? ""
      : !n
        ? `No occupation matches “${state.q}”`
        : `${found[0].partial ? "No name has every word; " : ""}${n} ${n === 1 ? "occupation matches" : "occupations match"} “${state.q}”${found[0].partial ? " in part" : ""}${n > 8 ? "; the first 8 are listed" : ""}. Enter opens the first.`;
  }
  // What a visitor typed before the script ran is kept and searched for; the address's search is put in only where it has one.
  if (state.q) search.value = state.q;
  else if (search.value.trim()) {
    state.q = search.value;
    highlight();
  }
  search.addEventListener("input", () => {
    state.q = search.value;
    saveState();
    highlight();
  });
  search.addEventListener("focus", withTitles, {once: true});
  search.addEventListener("keydown", e => {
    if (e.key === "ArrowDown" && results.firstChild) {
      e.preventDefault();
      results.firstChild.focus();
    } else if (e.key === "Enter" && results.firstChild) {
      e.preventDefault();
      results.firstChild.click();
    }
  });

  // 9. Bubble charts, sized by jobs: score against median pay, and the labor space.
  function bubbles(container, items, {width, height, x, y, fill, describe, label, axes, labelled = 0}) {
    const svg = newSvg();
    svg.setAttribute("viewBox", `0 0 ${width} ${height}`);
    svg.setAttribute("aria-label", label);
    if (axes) axes(svg);
    // Big bubbles first, so small ones stay on top and can be pointed at.
    for (const o of [...items].sort((a, b) => b.jobs - a.jobs)) {
      const a = svgEl(svg, "a", {href: base + "occupations/" + o.slug + ".html", "data-slug": o.slug, "aria-label": describe(o)});
      svgEl(a, "circle", {cx: x(o), cy: y(o), r: 1.5 + Math.sqrt(o.jobs) / 110, fill: fill(o)});
      a.addEventListener("mouseenter", () => showTooltip(o, a, true));
      a.addEventListener("mouseleave", hideTooltip);
      a.addEventListener("focus", () => showTooltip(o, a));
      a.addEventListener("blur", hideTooltip);
    }
    // Name the largest occupations, so the cloud has landmarks; a name that
    // would overlap one already placed is left out.
    const placed = [];
    for (const o of [...items].sort((a, b) => b.jobs - a.jobs).slice(0, labelled)) {
      const r = 1.5 + Math.sqrt(o.jobs) / 110,
        box = [x(o) + r + 2, y(o) - 8, x(o) + r + 2 + 5.5 * o.title.length, y(o) + 4];
      if (box[2] > width || placed.some(p => box[0] < p[2] && p[0] < box[2] && box[1] < p[3] && p[1] < box[3])) continue;
      placed.push(box);
      svgEl(svg, "text", {x: box[0], y: y(o) + 3, class: "bubble-label"}, o.title);
    }
    container.replaceChildren(svg);
    highlight();
  }

  const hash = text => {
    let h = 2166136261;
    for (const ch of text) h = Math.imul(h ^ ch.charCodeAt(0), 16777619);
    return (h >>> 0) / 4294967296;
  };
  // Score against pay: up the side, the score or measure chosen there (the
  // layer itself when the layer is one); the colour, the layer, as on the
  // map and in its legend. A sentence above the chart says which is which.
  const scatterSelect = $("scatter-y");
  const isScore = l => Boolean(l.axis);
  const payRange = layerById.get("pay").domain;
  let scatterY = scatterSelect.value;
  scatterSelect.addEventListener("change", () => {
    scatterY = scatterSelect.value;
    if (isScore(layer())) setLayer(scatterY);
    else draw();
  });
  function drawScatter() {
    const plot = $("scatter-plot"),
      l = layer();
    if (isScore(l)) scatterY = l.id;
    const yl = layerById.get(scatterY);
    if (!yl) {
      plot.textContent = "Nothing has been scored yet.";
      return;
    }
    scatterSelect.value = yl.id;
    if (yl.late && !details.loaded) {
      plot.replaceChildren(el("p", {class: "muted"}, "Loading the published measures…"));
      return;
    }
    const [lo, hi, step] = yl.axis;
    const width = plot.clientWidth || 600,
      height = Math.round(Math.min(520, width * 0.7)),
      m = {l: 44, r: 12, t: 10, b: 36};
    const px = v => m.l + (width - m.l - m.r) * clamp(Math.log(v / payRange[0]) / Math.log(payRange[1] / payRange[0]));
    const py = v => height - m.b - ((height - m.t - m.b) * (v - lo)) / (hi - lo);
    const points = occupations.filter(o => o.pay != null && yl.value(o) != null);
    // Whole-number scores would stack bubbles in rows: spread each a little
    // up or down, by a fixed amount from its name, within its own score.
    const jitter = o => (yl.criterion && Number.isInteger(yl.value(o)) ? (hash(o.slug) - 0.5) * 0.7 : 0);
    const says = (k, o) => (k.value(o) == null ? "no figure" : k.text(k.value(o)));
    bubbles(plot, points, {
      width,
      height,
      x: o => px(o.pay),
      y: o => py(yl.value(o) + jitter(o)),
      fill: o => fill(l, o),
      labelled: 8,
      label: `${yl.title} against median pay, colored by ${l.title}; each bubble an occupation, sized by jobs`,
      describe: o =>
        `${o.title}: ${yl.short} ${says(yl, o)}, median pay $${numbers.format(o.pay)}` +
        (l === yl ? "" : `, ${l.short} ${says(l, o)}`),
      axes: svg => {
        for (const t of [25000, 50000, 100000, 200000]) {
          svgEl(svg, "line", {x1: px(t), x2: px(t), y1: m.t, y2: height - m.b, class: "grid"});
          svgEl(svg, "text", {x: px(t), y: height - m.b + 16, "text-anchor": "middle"}, "$" + t / 1000 + "k");
        }
        for (let v = lo; v <= hi; v += step) {
          svgEl(svg, "line", {x1: m.l, x2: width - m.r, y1: py(v), y2: py(v), class: "grid"});
          svgEl(svg, "text", {x: m.l - 6, y: py(v) + 4, "text-anchor": "end"}, v);
        }
        svgEl(
          svg,
          "text",
          {x: width - m.r, y: height - 4, "text-anchor": "end", class: "axis-title"},
          "Median yearly pay (log scale)",
        );
        svgEl(
          svg,
          "text",
          {x: 12, y: m.t, "text-anchor": "end", class: "axis-title", transform: `rotate(-90 12 ${m.t})`},
          yl.short + (yl.unit && !yl.criterion ? ` (${yl.unit.split(" ")[0]})` : ""),
        );
      },
    });
    plot.prepend(
      el(
        "p",
        {class: "scatter-says"},
        `Up the side: ${yl.title}. Across: median yearly pay. Color: ${l === yl ? "the same" : l.title}, as in the legend. Each bubble is an occupation, sized by its jobs.`,
      ),
    );
    plot.append(
      el(
        "p",
        {class: "muted"},
        `${points.length} occupations with a yearly median pay; those with only an hourly figure are left out.`,
      ),
    );
  }

  function drawSpace() {
    const plot = $("space-plot");
    const width = plot.clientWidth || 600,
      height = Math.round(Math.max(360, Math.min(700, width * 0.75))),
      pad = 14;
    const l = layer();
    const x = o => pad + o.xy[0] * (width - 2 * pad),
      y = o => pad + o.xy[1] * (height - 2 * pad);
    const placed = occupations.filter(o => o.xy);
    // Places come with the details, after the map is drawn.
    if (!details.loaded) {
      plot.replaceChildren(el("p", {class: "muted"}, "Loading the places…"));
      return;
    }
    bubbles(plot, placed, {
      width,
      height,
      x,
      y,
      fill: o => fill(l, o),
      label: "Occupations placed by what their work is; each bubble an occupation, sized by jobs",
      describe: o => `${o.title}: ${l.title} ${l.value(o) == null ? "not available" : l.text(l.value(o))}`,
    });
    // Name the regions: each group at the centre of its jobs, where its
    // occupations sit together (a group scattered all over is not named),
    // largest groups first, none over another.
    const svg = plot.querySelector("svg"),
      taken = [];
    const groups = data.categories
      .map((name, i) => ({name, members: placed.filter(o => o.category === i)}))
      .filter(g => g.members.length >= 3)
      .map(g => {
        const jobs = g.members.reduce((s, o) => s + o.jobs, 0);
        const cx = g.members.reduce((s, o) => s + x(o) * o.jobs, 0) / jobs,
          cy = g.members.reduce((s, o) => s + y(o) * o.jobs, 0) / jobs;
        const spread = g.members.reduce((s, o) => s + Math.hypot(x(o) - cx, y(o) - cy) * o.jobs, 0) / jobs;
        return {...g, jobs, cx, cy, spread};
      })
      .sort((a, b) => b.jobs - a.jobs);
    for (const g of groups) {
      if (g.spread > 0.2 * Math.min(width, height)) continue;
      // Its width measured in its own type, with room around it, so no two names touch at any width.
      measure.font = `700 11px ${map.fontFamily()}`;
      const w = measure.measureText(g.name).width + 8,
        box = [g.cx - w / 2, g.cy - 11, g.cx + w / 2, g.cy + 5];
      if (box[0] < 0 || box[2] > width || taken.some(t => box[0] < t[2] && t[0] < box[2] && box[1] < t[3] && t[1] < box[3]))
        continue;
      taken.push(box);
      svgEl(svg, "text", {x: g.cx, y: g.cy, "text-anchor": "middle", class: "region-label"}, g.name);
    }
  }

  // 10. Views, first drawing, and what loads after it.
  function setView(view, push = true) {
    state.view = view;
    saveState(push);
    mark(views, "aria-selected", b => b.dataset.view === view);
    treemap.hidden = view !== "treemap";
    $("scatter").hidden = view !== "scatter";
    $("space").hidden = view !== "space";
    sayView(view, {
      encoding: document.querySelector(".lede .encoding"),
      mapLink: document.querySelector('header.site nav a[data-nav="map"]'),
      spaceLink: document.querySelector('header.site nav a[data-nav="space"]'),
    });
    hideTooltip();
    draw();
    legend();
  }
  const draw = () => ({treemap: drawTreemap, scatter: drawScatter, space: drawSpace})[state.view]();
  for (const b of views.children) b.addEventListener("click", () => setView(b.dataset.view));
  roving(views, b => setView(b.dataset.view));
  document.addEventListener("keydown", e => {
    if (e.key === "Escape") hideTooltip();
  });
  document.addEventListener("click", e => {
    if (!e.target.closest(".tile, .tooltip, #search-results, svg a")) hideTooltip();
  });

  legend();
  headline();
  setView(state.view, false);
  const now = String(Math.round(performance.now()));
  document.documentElement.dataset.ready = now;
  if (!document.documentElement.dataset.drawn) document.documentElement.dataset.drawn = now;
  if (state.selected) select(state.selected, false);
  // The figures under the map come just after it is drawn.
  setTimeout(stats);
  // Back and Forward: read the view from the address again.
  window.addEventListener("popstate", () => {
    const asked = readState(location.search, {layers: layerById, defaultLayer, slugs: bySlug, space: data.space});
    state.size = asked.size;
    sizeSelect.value = state.size;
    state.layer = asked.layer;
    state.view = asked.view;
    setLayer(state.layer, false);
    setView(asked.view, false);
  });

  let width = treemap.clientWidth;
  new ResizeObserver(() => {
    if (Math.abs(treemap.clientWidth - width) < 2) return;
    width = treemap.clientWidth;
    draw();
  }).observe(document.querySelector(".chart"));

  fetch(base + "data/details.json")
    .then(r => r.json())
    .then(d => {
      details = d;
      // The published measures arrive here, so the first drawing waits for none of them.
      details.loaded = true;
      // Each occupation's row of the details' table of late figures.
      const rows = new Map(d.slugs.map((slug, i) => [slug, i]));
      for (const o of occupations) {
        const row = rows.get(o.slug);
        for (const [id, values] of Object.entries(d.layers)) o[id] = row === undefined ? null : values[row];
        o.consensus =
          row === undefined || d.consensus.median[row] == null
            ? null
            : {low: d.consensus.low[row], median: d.consensus.median[row], high: d.consensus.high[row]};
        o.xy = d.xy?.[o.slug] || null;
      }
      if (layer().late) {
        draw();
        legend();
        stats();
        headline();
      } else if (state.view === "space") draw();
      if (state.selected && !tooltip.hidden && tiles.has(state.selected))
        showTooltip(bySlug.get(state.selected), tiles.get(state.selected));
      highlight();
      document.documentElement.dataset.details = "loaded";
    });
};
// The page arrives with its first view already drawn (this script, run when
// the site was built), unless the address asks for another view, when the
// script under the map cleared it. Then this starts once that map is on
// screen (the browser's first paint with content), and draws it again: the
// same layout, to the pixel, with the page's own fonts and what a pointer,
// the keyboard and a screen reader need. Started any sooner, it holds up
// the frame that shows the map.
if (!document.getElementById("treemap").childElementCount) start();
else {
  let started = false;
  const go = () => {
    if (!started) {
      started = true;
      setTimeout(start);
    }
  };
  if (((self.PerformanceObserver && PerformanceObserver.supportedEntryTypes) || []).includes("paint")) {
    new PerformanceObserver((entries, observer) => {
      if (entries.getEntries().some(e => e.name === "first-contentful-paint")) {
        observer.disconnect();
        go();
      }
    }).observe({type: "paint", buffered: true});
  } else requestAnimationFrame(go);
  // A page opened in a tab out of sight paints nothing until it is shown; it need not wait to start.
  setTimeout(go, 3000);
}
