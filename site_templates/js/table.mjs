// The Table page's filter: the map's own search (search.mjs), so that the
// same everyday names find the same occupations ("RN", "realtor"); a row
// stays where its occupation matches, or where its group's name has every
// word typed. The names load when the visitor first types.
import {loadIndex, matches} from "./search.mjs";

const base = document.body.dataset.base,
  table = document.getElementById("occupations"),
  filter = document.getElementById("filter"),
  status = document.getElementById("filter-status");
const wordsOf = text =>
  text
    .toLowerCase()
    .split(/[^a-z0-9]+/)
    .filter(Boolean);

// The best match, which Enter opens, as on the map.
let best = null;

function show(index) {
  const q = filter.value,
    terms = wordsOf(q),
    ranked = matches(q, index),
    found = new Map(ranked.map(r => [r.slug, r]));
  best = ranked[0] ?? null;
  let shown = 0;
  for (const row of table.tBodies[0].rows) {
    const group = wordsOf(row.cells[1].textContent),
      byGroup = terms.length && terms.every(t => group.includes(t) || group.includes(t + "s"));
    const r = found.get(row.dataset.slug);
    row.hidden = Boolean(terms.length) && !r && !byGroup;
    // Where another name matched, the row says which.
    row.cells[0].querySelector(".matched")?.remove();
    if (r?.name && !row.hidden) {
      const note = document.createElement("span");
      note.className = "matched muted";
      note.textContent = ` (“${r.name}”)`;
      row.cells[0].append(note);
    }
    shown += !row.hidden;
  }
  status.textContent = !terms.length
    ? ""
    : `${best?.partial ? "No name has every word; " : ""}${shown} of ${table.tBodies[0].rows.length} occupations shown` +
      (best?.partial ? ", matching in part" : "") +
      (best ? `. Enter opens ${best.title}.` : "");
}

filter.addEventListener("input", () => loadIndex(() => fetch(base + "data/titles.json")).then(show));
filter.addEventListener("keydown", e => {
  if (e.key === "Enter" && best) {
    e.preventDefault();
    location.assign(`${base}occupations/${best.slug}.html`);
  }
});
