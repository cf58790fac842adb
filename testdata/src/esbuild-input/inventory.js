export class Item {
  constructor(name, count, price) {
    this.name = name;
    this.count = count;
    this.price = price;
  }
  get value() {
    return this.count * this.price;
  }
}

export function makeInventory(rows) {
  const items = rows.map(([name, count, price]) => new Item(name, count, price));
  return { items, byName: new Map(items.map((it) => [it.name, it])) };
}

export function restock(inv, name, extra) {
  const item = inv.byName.get(name);
  if (!item) throw new Error(`unknown item ${name}`);
  item.count += extra;
  return item.count;
}
