// Where a floating box (the tooltip) goes beside the tile it tells of: below
// it, else above it, else wherever it overlaps least, and always wholly in
// the window, at any width and however the page is scrolled.

const MARGIN = 8; // px kept clear of the window's edges
const GAP = 6; // px between the tile and the box

// The top-left corner for a box of size (w, h), in window coordinates, for an
// anchor rectangle r in a window of size (vw, vh); kept inside area (the
// chart's rectangle) too where the box fits there, so that it covers no
// control above or beside the chart.
export function placeBox(r, w, h, vw, vh, area = null) {
  const clamp = (v, lo, hi) => Math.min(Math.max(v, lo), Math.max(lo, hi));
  let [x0, y0, x1, y1] = [MARGIN, MARGIN, vw - MARGIN, vh - MARGIN];
  if (area) {
    const [ax0, ay0, ax1, ay1] = [
      Math.max(x0, area.left),
      Math.max(y0, area.top),
      Math.min(x1, area.right),
      Math.min(y1, area.bottom),
    ];
    if (ax1 - ax0 >= w) [x0, x1] = [ax0, ax1];
    if (ay1 - ay0 >= h) [y0, y1] = [ay0, ay1];
  }
  const left = clamp(r.left + r.width / 2 - w / 2, x0, x1 - w);
  let top;
  if (r.bottom + GAP + h <= y1) top = r.bottom + GAP;
  else if (r.top - GAP - h >= y0) top = r.top - GAP - h;
  // Neither side has room (a tall tile, or a tile partly off screen): as close below its top as fits.
  else top = clamp(r.top, y0, y1 - h);
  return {left, top};
}

// Places box (absolutely positioned in its offset parent) beside anchor; a box
// taller than the window is capped to it and scrolls inside.
export function placeTooltip(box, anchor, area = null) {
  const vw = document.documentElement.clientWidth,
    vh = window.innerHeight;
  box.style.maxWidth = `${vw - 2 * MARGIN}px`;
  box.style.maxHeight = `${vh - 2 * MARGIN}px`;
  const bounds = area?.getBoundingClientRect() ?? null;
  const {left, top} = placeBox(anchor.getBoundingClientRect(), box.offsetWidth, box.offsetHeight, vw, vh, bounds);
  const parent = (box.offsetParent || document.body).getBoundingClientRect();
  box.style.left = `${left - parent.left}px`;
  box.style.top = `${top - parent.top}px`;
}
