// The view (layer, view, search, selected occupation, size) as the address
// says it, read and written here alone, so any view can be shared and Back
// undoes a step.

const VIEWS = ["treemap", "scatter", "space"];
const SIZES = ["jobs", "openings", "wages"];

// The view the address asks for, where it asks for what the page has; the first of each otherwise.
export function readState(search, {layers, defaultLayer, slugs, space}) {
  const p = new URLSearchParams(search);
  const view = p.get("view");
  return {
    layer: layers.has(p.get("layer")) ? p.get("layer") : defaultLayer,
    view: VIEWS.includes(view) && (view !== "space" || space) ? view : VIEWS[0],
    q: p.get("q") || "",
    selected: slugs.has(p.get("selected")) ? p.get("selected") : null,
    size: SIZES.includes(p.get("size")) ? p.get("size") : SIZES[0],
  };
}

// The address for state, leaving out what is the first of each. A new layer,
// view or size (push) is a step Back can undo; typing and selecting are not.
export function writeState(state, defaultLayer, push = false) {
  const p = new URLSearchParams();
  if (state.layer !== defaultLayer) p.set("layer", state.layer);
  if (state.view !== VIEWS[0]) p.set("view", state.view);
  if (state.q) p.set("q", state.q);
  if (state.selected) p.set("selected", state.selected);
  if (state.size !== SIZES[0]) p.set("size", state.size);
  const query = p.toString();
  const url = location.pathname + (query ? "?" + query : "");
  if (push && url !== location.pathname + location.search) history.pushState(null, "", url);
  else history.replaceState(null, "", url);
}
