const pad = (s, n) => String(s) + ' '.repeat(Math.max(0, n - String(s).length));

export function formatTable(items) {
  const width = Math.max(...items.map((it) => it.name.length)) + 2;
  const lines = items.map((it) => `${pad(it.name, width)}${pad(it.count, 6)}${it.price.toFixed(2)}`);
  return [pad('name', width) + pad('count', 6) + 'price', ...lines].join('\n');
}
