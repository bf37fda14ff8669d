// Search over titles and the BLS A-Z index's other names ("RN", "Family
// Practice Medical Doctor"). A whole name first, then whole words ("nurse"
// is a whole word of "Nurses"), then the starts of words, then (from three
// letters) any part of one; among equals a title before another name, then
// the occupation with more jobs.

const wordsOf = text =>
  text
    .toLowerCase()
    .split(/[^a-z0-9]+/)
    .filter(Boolean);
const whole = (w, t) => w === t || w === t + "s" || w === t + "es";

function rank(text, q, terms) {
  const words = wordsOf(text);
  if (words.join(" ") === terms.join(" ")) return 0;
  if (terms.every(t => words.some(w => whole(w, t)))) return 1;
  if (terms.every(t => words.some(w => w.startsWith(t)))) return 2;
  return q.length > 2 && text.toLowerCase().includes(q) ? 3 : 9;
}

// [slug, what to show] of each occupation matching q, best first.
export function matches(q, {occupations, aliases, offmap, bySlug}) {
  q = q.trim().toLowerCase();
  const terms = wordsOf(q),
    best = new Map();
  const consider = (slug, text, label, jobs, other) => {
    const r = rank(text, q, terms) * 2 + other;
    if (r < 18 && !(best.has(slug) && best.get(slug)[0] <= r)) best.set(slug, [r, label, jobs]);
  };
  if (!terms.length) return [];
  for (const o of occupations) consider(o.slug, o.title, o.title, o.jobs, 0);
  for (const [alias, slug] of aliases)
    if (bySlug.has(slug)) consider(slug, alias, `${bySlug.get(slug).title} (“${alias}”)`, bySlug.get(slug).jobs, 1);
  // Pages with no job count have no tile; they are found all the same, and open their page.
  for (const [slug, title] of offmap) consider(slug, title, `${title} (not on the map: no job count)`, 0, 0);
  return [...best].sort((a, b) => a[1][0] - b[1][0] || b[1][2] - a[1][2]).map(([slug, [, label]]) => [slug, label]);
}
