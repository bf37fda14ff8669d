// Numbers as the page says them.

// Thousands separators by hand: making an Intl.NumberFormat costs more than drawing the map.
const grouped = text => text.replace(/^(-?\d+)/, whole => whole.replace(/\B(?=(\d{3})+$)/g, ","));
export const numbers = {format: v => grouped(String(Math.round(v * 1000) / 1000))};
export const oneDecimal = {format: v => grouped(v.toFixed(1))};
// A sum of money in billions or trillions.
export const money = v =>
  v >= 1e12 ? "$" + oneDecimal.format(v / 1e12) + " trillion" : "$" + numbers.format(Math.round(v / 1e9)) + " billion";
// A share too small to show at one decimal says so, rather than 0.0%.
export const percent = (part, whole) =>
  part && 1000 * part < whole ? "under 0.1%" : oneDecimal.format((100 * part) / whole) + "%";
