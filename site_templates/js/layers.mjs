// The map's layers, each one entry of the build's catalogue
// (website/layers.py): the figure it reads, its scale, colours, marks, bins
// and words. Colours come as ramps of eleven stops (website/colours.py),
// blended in between.
import {numbers} from "./format.mjs";

export const clamp = t => Math.max(0, Math.min(1, t));

const ramp = stops => {
  const rgb = stops.split(" ").map(h => [0, 2, 4].map(i => parseInt(h.slice(i, i + 2), 16)));
  return t => {
    const x = clamp(t) * (rgb.length - 1),
      i = Math.min(Math.floor(x), rgb.length - 2),
      f = x - i;
    return "rgb(" + rgb[i].map((a, k) => Math.round(a + (rgb[i + 1][k] - a) * f)).join(", ") + ")";
  };
};

// The layers of the home page's data; ordinal says a percentile as readers do.
export function makeLayers(data, ordinal) {
  const schemes = Object.fromEntries(Object.entries(data.ramps).map(([name, stops]) => [name, ramp(stops)]));
  // The few ways a figure is said; a layer's words put it where "{}" is.
  const sayings = {number: v => numbers.format(v), signed: v => (v > 0 ? "+" : "") + v, ordinal, raw: String};
  return data.layers.map(entry => {
    // What an entry leaves out is none: no bins, no marks, no colours of its own.
    const spec = {bins: [], marks: [], colours: [], categories: [], ...entry};
    const [lo, hi] = spec.domain,
      log = spec.scale === "log";
    const pos = log ? v => clamp(Math.log(v / lo) / Math.log(hi / lo)) : v => clamp((v - lo) / (hi - lo));
    const scheme = schemes[spec.scheme];
    const say = spec.say === "category" ? v => spec.categories[v] : sayings[spec.say];
    const words = (template, v) => template.replace("{}", () => say(v));
    return {
      ...spec,
      pos,
      criterion: spec.group === "criteria" ? data.criteria[spec.id] : null,
      categorical: spec.scale === "categorical",
      value: o => (Object.hasOwn(o, spec.id) ? o[spec.id] : null),
      text: v => words(spec.text, v),
      brief: v => words(spec.brief ?? spec.text, v),
      color: spec.scale === "categorical" ? v => spec.colours[v] : v => scheme(spec.reverse ? 1 - pos(v) : pos(v)),
      ramp: k => (log ? lo * (hi / lo) ** (k / 10) : lo + ((hi - lo) * k) / 10),
    };
  });
}
