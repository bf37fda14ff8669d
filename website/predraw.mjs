// The home page's first view, drawn at build time by the page's own script
// (site_templates/js/treemap.mjs, bundled into the page) in jsdom, so the map is written in one
// language: the page arrives with the map the script draws, and the script
// draws it again once it is on screen, where fonts can be measured.
//
// It draws the map in each box the script lays maps out in (SHAPES, js/shapes.mjs): wide
// for a computer, tall for a phone. The page carries both, each group and
// tile of the tall drawing just after the wide one's (so gzip finds the
// names and addresses it has just sent, and the second costs little more
// than its places); the stylesheet shows the one the map's width calls for.
//
// Reads the rendered home page on standard input, and the shapes from
// js/shapes.mjs, where they are written; writes JSON: the inner HTML of the
// map, its legend and the sentence above it, and each wide tile's box
// (percent of the map) and colour, which the link preview is drawn from.
import {readFileSync} from "node:fs";
import {JSDOM, VirtualConsole} from "jsdom";

import {SHAPES as shapes} from "../site_templates/js/shapes.mjs";

const page = readFileSync(0, "utf8");

// Text widths without fonts: a guess per class of letter at 11 px semi-bold
// system type, scaled to the size asked for. The script fits group names
// with it here, and with the real font once it draws on screen.
const guess = (text, px) =>
  ([...text].reduce(
    (w, ch) =>
      w +
      (" ,'.ijlIJ".includes(ch)
        ? 3.6
        : "frt-".includes(ch)
          ? 5.1
          : "mwMW".includes(ch)
            ? 10.6
            : ch !== ch.toLowerCase()
              ? 8.4
              : 7.1),
    0,
  ) *
    px) /
  11;

// The page as the script leaves it in a map of this shape and size.
function draw(shape, [width, height]) {
  const errors = [];
  const virtualConsole = new VirtualConsole();
  virtualConsole.on("jsdomError", e => errors.push(e.message));
  virtualConsole.on("error", e => errors.push(String(e)));
  const dom = new JSDOM(page, {
    url: "http://localhost/",
    runScripts: "dangerously",
    pretendToBeVisual: true,
    virtualConsole,
    beforeParse(window) {
      // What a browser would give the script that jsdom does not: the map's
      // size and shape (the stylesheet's container query), a way to measure
      // text, and a details file that never arrives.
      Object.defineProperty(window.HTMLElement.prototype, "clientWidth", {
        get() {
          return this.id === "treemap" ? width : 0;
        },
      });
      Object.defineProperty(window.HTMLElement.prototype, "clientHeight", {
        get() {
          return this.id === "treemap" ? height : 0;
        },
      });
      const computed = window.getComputedStyle.bind(window);
      window.getComputedStyle = (node, pseudo) => {
        const style = computed(node, pseudo);
        return node.id !== "treemap"
          ? style
          : {getPropertyValue: name => (name === "--shape" ? shape : style.getPropertyValue(name))};
      };
      window.HTMLCanvasElement.prototype.getContext = () => ({
        font: "11px sans-serif",
        measureText(text) {
          return {width: guess(text, parseFloat(this.font.split(" ")[1]))};
        },
      });
      window.matchMedia = () => ({matches: false, addEventListener() {}});
      window.ResizeObserver = class {
        observe() {}
      };
      window.fetch = () => new Promise(() => {});
    },
  });
  if (errors.length) {
    console.error(errors[0]);
    process.exit(1);
  }
  const doc = dom.window.document,
    map = doc.getElementById("treemap");
  // Without the script every tile is a link of its own on the Tab path; the
  // script makes the map one Tab stop when it starts.
  for (const node of map.querySelectorAll("[tabindex]")) node.removeAttribute("tabindex");
  const box = style => ["left", "top", "width", "height"].map(k => parseFloat(style[k]));
  const tiles = [...map.querySelectorAll(".tile")].map(t => [
    ...box(t.style),
    t.style.background,
    t.getAttribute("aria-describedby"),
    t.dataset.slug,
  ]);
  // What the script adds for itself and for screen readers it redraws at once;
  // the page arrives without it, a sixth lighter: each tile's link text is its
  // name and value. Styles lose the spaces jsdom writes.
  for (const node of map.querySelectorAll(".tile"))
    for (const name of ["aria-label", "aria-describedby", "data-slug"]) node.removeAttribute(name);
  // Group ids are the script's, for aria-describedby; the page arrives with one of each.
  for (const node of map.querySelectorAll(".group")) node.removeAttribute("id");
  for (const node of doc.querySelectorAll("#treemap [style], #legend [style]"))
    node.setAttribute(
      "style",
      node
        .getAttribute("style")
        .replace(/;\s*$/, "")
        .replace(/([:;])\s+/g, "$1")
        .replace(
          /rgb\((\d+), (\d+), (\d+)\)/g,
          (_, ...c) =>
            "#" +
            c
              .slice(0, 3)
              .map(v => (+v).toString(16).padStart(2, "0"))
              .join(""),
        ),
    );
  return {
    parts: [...map.children],
    legend: doc.getElementById("legend").innerHTML,
    headline: doc.getElementById("headline").textContent,
    tiles,
  };
}

const wide = draw("wide", shapes.wide),
  tall = draw("tall", shapes.tall);
// Both drawings have a part for each group and each tile with a size, in
// the same order: the data's, whatever the box.
if (
  wide.parts.length !== tall.parts.length ||
  wide.parts.some((part, i) => part.getAttribute("href") !== tall.parts[i].getAttribute("href"))
)
  throw new Error("the wide and tall maps do not have the same groups and tiles");
const map = wide.parts
  .map((part, i) => {
    tall.parts[i].classList.add("tall");
    return part.outerHTML + tall.parts[i].outerHTML;
  })
  .join("");
const drawn = JSON.stringify({map, legend: wide.legend, headline: wide.headline, tiles: wide.tiles});
// A pipe takes what is written in its own time: exit once it has all of it.
process.stdout.write(drawn, () => process.exit(0));
