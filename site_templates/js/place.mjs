// Where a floating box (the tooltip, the tap panel) goes beside the tile it
// tells of: always wholly in the window, at any width and however the page is
// scrolled, and over the tile itself only where nothing else fits.

const MARGIN = 8; // px kept clear of the window's edges
const GAP = 6; // px between the tile and the box
const MIN_ROOM = 160; // px: the least height a box cut to fit beside its tile is worth

// The top-left corner for a box of size (w, h), in window coordinates, for an
// anchor rectangle r in a window of size (vw, vh), and the height to cut it to
// where it must scroll inside. Inside area (the chart's rectangle) where there
// is room, so that it covers no control above the chart, else anywhere in the
// window: below the anchor, else above it, else (too tall for either side) on
// the side with more room, cut to it, so that it never covers the tile a
// finger is on. Only where that room is a sliver does it cover the tile.
export function placeBox(r, w, h, vw, vh, area = null) {
  const clamp = (v, lo, hi) => Math.min(Math.max(v, lo), Math.max(lo, hi));
  const screen = [MARGIN, MARGIN, vw - MARGIN, vh - MARGIN];
  const bounds = [screen];
  if (area) {
    const inside = [
      Math.max(screen[0], area.left),
      Math.max(screen[1], area.top),
      Math.min(screen[2], area.right),
      Math.min(screen[3], area.bottom),
    ];
    if (inside[2] - inside[0] >= w && inside[3] - inside[1] >= MIN_ROOM) bounds.unshift(inside);
  }
  for (const [x0, y0, x1, y1] of bounds) {
    const left = clamp(r.left + r.width / 2 - w / 2, x0, x1 - w);
    if (r.bottom + GAP >= y0 && r.bottom + GAP + h <= y1) return {left, top: r.bottom + GAP};
    if (r.top - GAP <= y1 && r.top - GAP - h >= y0) return {left, top: r.top - GAP - h};
    const below = y1 - Math.max(r.bottom + GAP, y0),
      above = Math.min(r.top - GAP, y1) - y0;
    if (Math.max(below, above) < MIN_ROOM) continue;
    if (below >= above) return {left, top: Math.max(r.bottom + GAP, y0), height: Math.min(h, below)};
    return {left, top: Math.min(r.top - GAP, y1) - Math.min(h, above), height: Math.min(h, above)};
  }
  const [x0, y0, x1, y1] = screen;
  return {left: clamp(r.left + r.width / 2 - w / 2, x0, x1 - w), top: clamp(r.top, y0, y1 - h)};
}

// Places box (absolutely positioned in its offset parent) beside anchor; a box
// taller than the window is capped to it and scrolls inside.
export function placeTooltip(box, anchor, area = null) {
  const vw = document.documentElement.clientWidth,
    vh = window.innerHeight;
  box.style.maxWidth = `${vw - 2 * MARGIN}px`;
  box.style.maxHeight = `${vh - 2 * MARGIN}px`;
  const bounds = area?.getBoundingClientRect() ?? null;
  const {left, top, height} = placeBox(anchor.getBoundingClientRect(), box.offsetWidth, box.offsetHeight, vw, vh, bounds);
  if (height && height < box.offsetHeight) box.style.maxHeight = `${height}px`;
  const parent = (box.offsetParent || document.body).getBoundingClientRect();
  box.style.left = `${left - parent.left}px`;
  box.style.top = `${top - parent.top}px`;
}
