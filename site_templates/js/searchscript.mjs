// Search as a script of its own (assets/search.js), which the home page loads
// with the names when a visitor first searches: its first load stays small.
import * as search from "./search.mjs";

globalThis[search.GLOBAL] = search;
