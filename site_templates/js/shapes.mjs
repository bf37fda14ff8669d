// The box the map is laid out in, wide on a computer and tall on a phone
// (its size in a 1280 x 800 window and on a 390 px phone), stretched to the
// map's size. The stylesheet says which shape the map has (--shape, by the
// width of its container), and how tall it is; website/predraw.mjs draws
// the page's first view in each.
export const SHAPES = {wide: [1248, 640], tall: [358, 465]};
