// What the tooltip says of an occupation: its figures, then a row for each
// layer the catalogue shows there ("always"), the published measures' range,
// and the layer shown where it is one shown only while it colours the map.
import {numbers} from "./format.mjs";

// An occupation's figure on layer k in words: its own words where it has none, or that its figures are on the way.
const said = (k, o, details) =>
  k.value(o) == null
    ? k.late && !details.loaded
      ? "loading…"
      : k.missing
    : k.text(k.value(o)) + (k.detail ? ` (${o[k.detail]})` : "");

// The pay range, where BLS gives one for the whole occupation.
function payRange(o, details) {
  const ranges = details.ranges?.[o.slug];
  if (!ranges) return [];
  if (ranges.length > 1) return [["Pay range", `by detailed occupation (${ranges.length}) on its page`]];
  const [low, high, hourly, topCoded, asOf] = ranges[0];
  const money = v => (hourly ? "$" + v.toFixed(2) : "$" + numbers.format(v));
  // A 90th percentile at the wage survey's top code is "at least", as the page says "more than".
  return [
    [
      "Pay range",
      `${money(low)} to ${topCoded ? "at least " : ""}${money(high)} ${hourly ? "an hour" : "a year"} (10th–90th pct.` +
        // A page with no figures of the edition's year gives older ones: they say when they are from.
        (asOf ? `, as of ${asOf})` : ")"),
    ],
  ];
}

// [what, the figure] for occupation o while layer l colours the map, the
// figure that colours its tile first; year is the edition's (its jobs and pay).
export function tooltipRows(o, l, layers, details, ordinal, year) {
  // The rows the tooltip words its own way, which a layer may name as its figure (the catalogue's row).
  const own = {
    pay: [
      `Median pay, ${year}`,
      (o.topcoded ? "at least " : "") +
        (o.pay != null
          ? "$" + numbers.format(o.pay) + " a year"
          : o.hourly != null
            ? "$" + o.hourly.toFixed(2) + " an hour"
            : "not available"),
    ],
    measures: o.consensus && [
      "Published measures",
      `median ${ordinal(o.consensus.median)} percentile (${ordinal(o.consensus.low)} to ${ordinal(o.consensus.high)})`,
    ],
  };
  const lead = l.row ? own[l.row] : l.tip !== "never" && [l.short, said(l, o, details)];
  return [
    lead,
    [`Jobs, ${year}`, numbers.format(o.jobs)],
    own.pay !== lead && own.pay,
    ...payRange(o, details),
    ["Openings a year", o.openings != null ? numbers.format(o.openings) : "—"],
    ...layers.filter(k => k.tip === "always" && k !== l).map(k => [k.short, said(k, o, details)]),
    own.measures !== lead && own.measures,
  ].filter(Boolean);
}
