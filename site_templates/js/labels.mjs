// How a tile and a group say their names: in lines that fit, and in the
// colour that reads on the tile's.

// A name's words laid into lines as the browser wraps them (fits: whether a
// line fits), at most three; what does not fit ends in an ellipsis after the
// last whole word that does, or inside a word too long for any line.
export function fitLines(name, fits) {
  const lines = [];
  let line = "";
  for (const word of name.split(" ")) {
    const next = line ? line + " " + word : word;
    if (!line || fits(next)) line = next;
    else {
      lines.push(line);
      line = word;
    }
  }
  lines.push(line);
  let shown = lines.slice(0, 3);
  const tooLong = shown.findIndex(l => !fits(l));
  if (tooLong >= 0) shown = shown.slice(0, tooLong + 1);
  if (tooLong >= 0 || lines.length > 3) {
    let last = shown[shown.length - 1];
    const words = last.split(" ");
    while (words.length > 1 && !fits(words.join(" ") + "…")) words.pop();
    last = words.join(" ");
    while (last && !fits(last + "…")) last = last.slice(0, -1);
    // Too narrow for a letter: the border alone marks it.
    shown[shown.length - 1] = last ? last + "…" : "";
  }
  return shown.map(l => l.replace(/[,\s]+…$/, "…"));
}

const darkness = new Map();

// Whether white text reads better than black on colour (#rrggbb or rgb()):
// whichever stands further from it in WCAG's relative luminance, at worst
// 4.6:1, so every label reads.
export const isDark = colour => {
  if (!darkness.has(colour)) {
    const rgb = colour[0] === "#" ? [1, 3, 5].map(i => parseInt(colour.slice(i, i + 2), 16)) : colour.match(/\d+/g).map(Number);
    const lum = rgb
      .map(v => v / 255)
      .map(c => (c <= 0.04045 ? c / 12.92 : ((c + 0.055) / 1.055) ** 2.4))
      .reduce((s, c, i) => s + c * [0.2126, 0.7152, 0.0722][i], 0);
    darkness.set(colour, 1.05 / (lum + 0.05) > (lum + 0.05) / 0.05);
  }
  return darkness.get(colour);
};
