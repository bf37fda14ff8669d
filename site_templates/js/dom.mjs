// The few DOM helpers every page script shares. Text from the data only
// ever reaches the page as textContent, never as HTML.

export const $ = id => document.getElementById(id);

export const el = (tag, attrs = {}, text) => {
  const node = document.createElement(tag);
  for (const [k, v] of Object.entries(attrs)) node.setAttribute(k, v);
  if (text !== undefined) node.textContent = text;
  return node;
};

const ns = "http://www.w3.org/2000/svg";

// An SVG element, appended to parent.
export const svgEl = (parent, tag, attrs, text) => {
  const node = document.createElementNS(ns, tag);
  for (const [k, v] of Object.entries(attrs)) node.setAttribute(k, v);
  if (text !== undefined) node.textContent = text;
  parent.append(node);
  return node;
};

export const newSvg = () => document.createElementNS(ns, "svg");
