// The treemap: categories, then occupations, sized by jobs, openings or
// wages, each tile coloured by a layer, named where its name fits, and
// described to a screen reader. Places are percentages of the box, so the
// map the page arrives with (this drawing, run when the site is built:
// website/predraw.mjs) stretches with the window as this drawing does.
import {el} from "./dom.mjs";
import {numbers} from "./format.mjs";
import {fitLines, isDark} from "./labels.mjs";
import {SHAPES} from "./shapes.mjs";

// What a tile's area can be. Wages are jobs times the yearly median: an
// occupation BLS gives only hourly pay for (performers, paid by the gig) has
// no tile then.
export const sizes = {
  jobs: {label: "jobs", value: o => o.jobs},
  openings: {label: "openings a year", value: o => o.openings},
  wages: {label: "wages (jobs × median yearly pay)", value: o => (o.pay != null ? o.pay * o.jobs : null)},
};

// The map in element: its groups (categories, their names) and occupations;
// fill gives a tile's colour on a layer, base the site's address.
export function makeMap({element, categories, occupations, bySlug, base, fill}) {
  const tiles = new Map();
  const measure = document.createElement("canvas").getContext("2d");
  // Read when first needed, once the page's styles are computed anyway for its layout; every measure
  // asks here, so none measures in the canvas's default font (another view may measure before the map).
  let fontFamily = null;
  const family = () => (fontFamily ||= getComputedStyle(document.body).fontFamily);
  const fitName = (name, room, small) => {
    measure.font = `600 ${small ? 10 : 11}px ${family()}`;
    return fitLines(name, text => measure.measureText(text).width <= room);
  };
  // Tiles are copies of these, cheaper than making each afresh.
  const tileShape = el("a", {class: "tile", tabindex: "-1"});
  const nameShape = el("span", {class: "name"});
  const valueShape = el("span", {class: "value"});
  function recolour(l) {
    for (const [slug, tile] of tiles) {
      const o = bySlug.get(slug),
        colour = fill(l, o);
      tile.style.background = colour;
      caption(tile, o, l, colour);
    }
  }
  let valueFont = "";
  function caption(tile, o, l, colour) {
    // What a tile says on layer l: its value in brief on the tile, where it
    // fits whole (a figure cut short misleads), and in words for screen
    // readers, after what the tile shows.
    const v = l.value(o);
    tile.classList.toggle("dark", isDark(colour));
    const shown = v == null ? "no figure" : l.text(v),
      value = tile.lastChild;
    let brief = v == null ? "—" : (l.brief || l.text)(v);
    measure.font = valueFont;
    if (value && value.className === "value") brief = measure.measureText(brief).width <= tile.room ? brief : "";
    else brief = "";
    // A space before the value: without it the tile's text would read as one word with the name's last.
    if (brief) value.textContent = " " + brief;
    else if (value) value.textContent = "";
    tile.setAttribute("aria-label", `${o.title}${brief && ", " + brief}: ${l.title} ${shown}; ${numbers.format(o.jobs)} jobs`);
  }

  // The map of every occupation on layer l, sized by size; selected is the one Tab reaches.
  function draw(l, size, selected) {
    // Places are percentages of the box, so the map the page arrives with
    // (this function, run when the site is built: website/predraw.mjs)
    // stretches with the window as this drawing does.
    const width = element.clientWidth,
      height = element.clientHeight;
    const small = getComputedStyle(element).getPropertyValue("--shape").trim() === "tall";
    const [shapeWidth, shapeHeight] = SHAPES[small ? "tall" : "wide"];
    const groups = categories
      .map((name, i) => ({name, children: occupations.filter(o => o.category === i)}))
      .filter(g => g.children.length);
    const sizeOf = sizes[size].value;
    const root = d3
      .hierarchy({children: groups})
      .sum(d => (d.children ? 0 : sizeOf(d) || 0))
      .sort((a, b) => b.value - a.value);
    d3.treemap().size([shapeWidth, shapeHeight])(root);
    const sx = width / shapeWidth,
      sy = height / shapeHeight;
    // To a tenth of a percent, and across a wide map to a hundredth: within
    // half a pixel either way on any map up to 1000 px long on that side, and a lighter page.
    const pct = (v, of, places = 1) => +((100 * v) / of).toFixed(places) + "%",
      across = small ? 1 : 2;
    // Exact areas: a tile gives up half a pixel on each side to the white
    // line between it and its neighbours, a whole one at its group's edge.
    const edges = (node, group) => {
      const inset = (a, b) => (Math.abs(a - b) < 1e-6 ? 1 : 0.5);
      return {
        x0: node.x0 * sx + inset(node.x0, group.x0),
        x1: node.x1 * sx - inset(node.x1, group.x1),
        y0: node.y0 * sy + inset(node.y0, group.y0),
        y1: node.y1 * sy - inset(node.y1, group.y1),
      };
    };
    // A group name's box: its lines at the stylesheet's line height, and its
    // top border and padding (3 px), so that no line of a long name is cut.
    const labelHeight = name => (small ? 13 : 14) * lines.get(name) + 3;
    valueFont = `400 ${small ? 10 : 11}px ${family()}`;
    // Nothing is kept aside for group names. Each name lies over the top of
    // its group, in as many lines as it needs there, and the tiles under it
    // start their text below it.
    const fitted = new Map(root.children.map(g => [g.data.name, fitName(g.data.name, (g.x1 - g.x0) * sx - 7, small)]));
    const lines = new Map([...fitted].map(([name, shown]) => [name, shown.length]));
    const parts = document.createDocumentFragment();
    tiles.clear();
    // Each group's name, then its tiles: the order a screen reader reads them in.
    for (const group of root.children) {
      // What fits is shown, shortened at a word with an ellipsis; the whole name is what a screen reader reads.
      const label = el("div", {class: "group", id: "group-" + group.data.name.replace(/\W+/g, "-")});
      // One line a span that never wraps, so the name takes the lines its box was given, whatever the font.
      const shown = fitted.get(group.data.name),
        whole = shown.join(" ") === group.data.name;
      for (const line of shown) label.append(el("span", whole ? {} : {"aria-hidden": "true"}, line));
      if (!whole) label.append(el("span", {class: "sr"}, group.data.name));
      const box = {x0: group.x0 * sx + 0.5, x1: group.x1 * sx - 0.5, y0: group.y0 * sy + 0.5};
      label.style.cssText = `left:${pct(box.x0, width, across)};top:${pct(box.y0, height)};width:${pct(box.x1 - box.x0, width, across)};height:${labelHeight(group.data.name)}px`;
      parts.append(label);
      for (const leaf of group.leaves()) {
        const o = leaf.data;
        // No figure to size it by.
        if (!leaf.value) continue;
        const tile = tileShape.cloneNode(false);
        tile.href = base + "occupations/" + o.slug + ".html";
        tile.dataset.slug = o.slug;
        tile.setAttribute("aria-describedby", label.id);
        const at = edges(leaf, group),
          under = leaf.y0 === group.y0 ? labelHeight(group.data.name) : 0;
        // A sliver narrower than its lines is drawn as none.
        const w = Math.max(0, at.x1 - at.x0),
          h = at.y1 - at.y0 - under;
        // One style write per tile: its place and its colour.
        const colour = fill(l, o);
        tile.style.cssText = `left:${pct(at.x0, width, across)};top:${pct(at.y0, height)};width:${pct(w, width, across)};height:${pct(Math.max(0, at.y1 - at.y0), height)};background:${colour}`;
        // A name wherever a line of it fits, its value too where two lines do.
        const line = small ? 13 : 14,
          withValue = w >= 34 && h >= 2 * line + 2;
        if (w >= 34 && h >= line + 2) {
          const name = nameShape.cloneNode(false);
          name.style.setProperty("--lines", Math.max(1, Math.floor((h - 2) / line) - (withValue ? 1 : 0)));
          name.textContent = o.title;
          tile.append(name);
        }
        if (withValue) tile.append(valueShape.cloneNode(false));
        tile.room = w - 6;
        // Its text starts below its group's name, inside the tile, which never grows past its area.
        if (under && tile.firstChild) tile.firstChild.style.marginTop = under + "px";
        if (w < 8 || h < 8) tile.classList.add("tiny");
        caption(tile, o, l, colour);
        tiles.set(o.slug, tile);
        parts.append(tile);
      }
    }
    element.replaceChildren(parts);
    element.removeAttribute("data-predrawn");
    const current = tiles.get(selected) || tiles.values().next().value;
    // The map is one Tab stop; arrow keys move within it.
    if (current) current.tabIndex = 0;
  }
  return {tiles, draw, recolour, measure, fontFamily: family};
}
