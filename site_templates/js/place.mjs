// Where a floating box (the tooltip) goes beside the tile it tells of: below
// it, else above it, else wherever it overlaps least, and always wholly in
// the window, at any width and however the page is scrolled.

const MARGIN = 8; // px kept clear of the window's edges
const GAP = 6; // px between the tile and the box

// The top-left corner for a box of size (w, h), in window coordinates, for an
// anchor rectangle r in a window of size (vw, vh).
export function placeBox(r, w, h, vw, vh) {
  const clamp = (v, lo, hi) => Math.min(Math.max(v, lo), Math.max(lo, hi));
  const left = clamp(r.left + r.width / 2 - w / 2, MARGIN, vw - w - MARGIN);
  let top;
  if (r.bottom + GAP + h <= vh - MARGIN) top = r.bottom + GAP;
  else if (r.top - GAP - h >= MARGIN) top = r.top - GAP - h;
  // Neither side has room (a tall tile, or a tile partly off screen): as close below its top as fits.
  else top = clamp(Math.max(r.top, MARGIN), MARGIN, vh - h - MARGIN);
  return {left, top};
}

// Places box (absolutely positioned in its offset parent) beside anchor; a box
// taller than the window is capped to it and scrolls inside.
export function placeTooltip(box, anchor) {
  const vw = document.documentElement.clientWidth,
    vh = window.innerHeight;
  box.style.maxWidth = `${vw - 2 * MARGIN}px`;
  box.style.maxHeight = `${vh - 2 * MARGIN}px`;
  const {left, top} = placeBox(anchor.getBoundingClientRect(), box.offsetWidth, box.offsetHeight, vw, vh);
  const parent = (box.offsetParent || document.body).getBoundingClientRect();
  box.style.left = `${left - parent.left}px`;
  box.style.top = `${top - parent.top}px`;
}
