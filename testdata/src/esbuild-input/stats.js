export function sum(xs) {
  let s = 0;
  for (const x of xs) s += x;
  return s;
}

export function mean(xs) {
  return xs.length === 0 ? 0 : sum(xs) / xs.length;
}

export function unusedVariance(xs) {
  const m = mean(xs);
  return mean(xs.map((x) => (x - m) ** 2));
}
