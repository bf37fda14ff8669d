// One search, for the map and the Table page, over every name an occupation
// is known by: its Handbook title, BLS's aliases and O*NET's titles
// (data/titles.json, fetched when a visitor first searches). The rule:
// 1. a name that is the whole query ("RN", "Realtor") first; then names
//    having every word of it ("nurse" is a word of "Nurses"); then names
//    whose words start with it ("program" starts "Programmers");
// 2. a query of three letters or fewer ("AI", "HR", "CNA") matches whole
//    words only, never the start or inside of one;
// 3. only where no name has the words, names holding the query inside a
//    word; only where none has all of them, names with the most of them;
// 4. among occupations matched as well, one whose Handbook title matches,
//    then the one with more names that match ("programmer" names many
//    Computer Programmers and Software Developers), then one whose name is
//    the whole query, then by the name's kind: a Handbook title before
//    BLS's aliases, then O*NET's own, reported, short and alternate titles;
//    then the one with more jobs.

const wordsOf = text =>
  text
    .toLowerCase()
    .split(/[^a-z0-9]+/)
    .filter(Boolean);
const whole = (w, t) => w === t || w === t + "s" || w === t + "es";
const SHORT = 3;

// The index search reads, from titles.json: each name with its words, once;
// kind 0 is the Handbook title, the others its names of each kind in turn.
export function makeIndex({kinds, occupations}) {
  const names = [];
  occupations.forEach(([, title, , others], o) => {
    names.push({name: title, o, kind: 0, words: wordsOf(title)});
    others.forEach((list, k) => {
      for (const name of list) names.push({name, o, kind: k + 1, words: wordsOf(name)});
    });
  });
  return {kinds, occupations: occupations.map(([slug, title, jobs]) => ({slug, title, jobs})), names};
}

// How well a name's words match the query's terms (lower is better; 9 is not at all).
function tier(words, terms, short) {
  if (words.length === terms.length && terms.every((t, i) => whole(words[i], t))) return 0;
  if (terms.every(t => words.some(w => whole(w, t)))) return 1;
  if (short) return 9;
  if (terms.every(t => words.some(w => w.startsWith(t)))) return 2;
  return 9;
}

// The occupations matching q, best first: {slug, title, jobs, name (the name
// that matched, where not the title), partial (true where no name has every word)}.
export function matches(q, index) {
  const terms = wordsOf(q);
  if (!terms.length || !index) return [];
  const short = terms.join("").length <= SHORT;
  const best = new Map();
  // A whole name and a name with every word are matched as well (group 1).
  const consider = (n, t) => {
    const group = Math.max(t, 1),
      key = (t === 0 ? 0 : 10) + n.kind,
      found = best.get(n.o);
    if (!found || group < found.group) best.set(n.o, {group, key, name: n, count: 1, title: !n.kind});
    else if (group === found.group) {
      found.count++;
      found.title ||= !n.kind;
      if (key < found.key) Object.assign(found, {key, name: n});
    }
  };
  for (const n of index.names) {
    const t = tier(n.words, terms, short);
    if (t < 9) consider(n, t);
  }
  let partial = false;
  // Fragments, only where no name has the words.
  if (!best.size && !short) {
    const text = terms.join(" ");
    for (const n of index.names) if (n.words.join(" ").includes(text)) consider(n, 3);
  }
  // The most of the words, only where no name has them all.
  if (!best.size && terms.length > 1) {
    partial = true;
    let most = 1;
    for (const n of index.names) {
      const had = terms.filter(t => n.words.some(w => whole(w, t))).length;
      if (had > most) {
        most = had;
        best.clear();
      }
      if (had === most) consider(n, 4);
    }
  }
  return [...best]
    .sort(
      ([a, x], [b, y]) =>
        x.group - y.group ||
        y.title - x.title ||
        y.count - x.count ||
        x.key - y.key ||
        index.occupations[b].jobs - index.occupations[a].jobs,
    )
    .map(([o, found]) => {
      const {name} = found;
      const {slug, title, jobs} = index.occupations[o];
      // Where its Handbook title matched, the title says enough.
      return {slug, title, jobs, name: found.title ? null : name.name, partial};
    });
}

// A result as a list shows it: the name that matched, and the occupation it leads to.
export const label = r => (r.name ? `${r.name} → ${r.title}` : r.title);

// The name the home page finds this module by, loaded as assets/search.js (searchscript.mjs).
export const GLOBAL = "worklensSearch";

// The index, fetched once, when first asked for; ``get`` fetches
// data/titles.json from the page's own site.
let loading = null;
export function loadIndex(get) {
  loading ||= get()
    .then(r => r.json())
    .then(makeIndex);
  return loading;
}
