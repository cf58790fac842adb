// sysflame test input for esbuild: a tiny app split over a few modules.
import { makeInventory, restock } from './inventory.js';
import { formatTable } from './format.js';
import * as stats from './stats.js';

const inv = makeInventory([
  ['bolts', 120, 0.05],
  ['nuts', 300, 0.03],
  ['washers', 75, 0.02],
  ['brackets', 12, 1.75],
]);
restock(inv, 'brackets', 30);
const values = inv.items.map((it) => it.count * it.price);
console.log(formatTable(inv.items));
console.log('total value', stats.sum(values).toFixed(2), 'mean', stats.mean(values).toFixed(3));
