// The legend of layer l: its heading (the catalogue's, with its unit), then its colours (a ramp with
// the catalogue's marks, or a swatch a category) and, where some tile has no
// figure, the colour that says so.
import {el} from "./dom.mjs";

export function drawLegend(box, l, occupations, missing) {
  box.replaceChildren(el("span", {class: "legend-title"}, l.legend));
  if (l.categorical) {
    l.categories.forEach((name, i) => {
      const item = el("span", {class: "swatch"});
      item.append(el("i", {style: `background:${l.color(i)}`}), document.createTextNode(name));
      box.append(item);
    });
  } else {
    const stops = [...Array(11).keys()].map(k => l.color(l.ramp(k)));
    const scale = el("span", {class: "scale"});
    scale.append(el("span", {class: "ramp", style: `background:linear-gradient(to right, ${stops.join(",")})`}));
    const ticks = el("span", {class: "ticks"});
    for (const [v, label] of l.marks) {
      const at = 100 * l.pos(v);
      ticks.append(
        el("span", {class: "tick", style: `left:${at}%;transform:translateX(${at > 95 ? -100 : at < 5 ? 0 : -50}%)`}, label),
      );
    }
    scale.append(ticks);
    box.append(scale);
  }
  // Grey is explained where some tile is grey.
  if (occupations.some(o => l.value(o) == null)) {
    const none = el("span", {class: "swatch"});
    none.append(el("i", {style: `background:${missing}`}), document.createTextNode("no figure"));
    box.append(none);
  }
}
