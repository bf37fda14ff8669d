// What the page around the map says of the view shown: the sentence saying
// what a shape and its colour mean, and which link of the site's menu is
// the page the reader is on (the map, or the labor space).

// The encoding sentence of each view, its full stop the page's; the treemap's is the page's own (index.html).
const SAYS = {
  scatter: "Each circle is an occupation, its area the number of jobs; across, its score, and up the side the figure you choose",
  space:
    "Each circle is an occupation, its area the number of jobs, placed by what the work is (its description, tasks, work activities and names): similar work sits close together. Its color is the layer you choose",
};

let treemapSays = null;

export function sayView(view, {encoding, mapLink, spaceLink}) {
  if (encoding) {
    // The treemap's own sentence is kept whole (its longer part hidden on a phone) to be put back.
    treemapSays ??= [...encoding.childNodes];
    if (SAYS[view]) encoding.textContent = SAYS[view];
    else encoding.replaceChildren(...treemapSays);
  }
  const here = view === "space" ? spaceLink : mapLink;
  for (const link of [mapLink, spaceLink]) {
    if (!link) continue;
    if (link === here) link.setAttribute("aria-current", "page");
    else link.removeAttribute("aria-current");
  }
}
