// "Did you mean …": the names nearest to a misspelt one, by edit distance.

/** Levenshtein distance, abandoned early once it exceeds `max` (we only want near misses). */
export function editDistance(a: string, b: string, max = Infinity): number {
  if (Math.abs(a.length - b.length) > max) return max + 1;
  let prev = Array.from({ length: b.length + 1 }, (_, j) => j);
  for (let i = 1; i <= a.length; i++) {
    const cur = [i];
    let rowMin = i;
    for (let j = 1; j <= b.length; j++) {
      const v = Math.min((prev[j] ?? 0) + 1, (cur[j - 1] ?? 0) + 1, (prev[j - 1] ?? 0) + (a[i - 1] === b[j - 1] ? 0 : 1));
      cur.push(v);
      if (v < rowMin) rowMin = v;
    }
    if (rowMin > max) return max + 1;
    prev = cur;
  }
  return prev[b.length] ?? 0;
}

/** How many suggestions an error shows: enough to spot the intended one, short enough to read. */
const MAX_SUGGESTIONS = 5;

/** Up to `count` names closest to `name`, nearest first (ties alphabetical); far-off names are left out. */
export function closest(name: string, names: Iterable<string>, count = MAX_SUGGESTIONS): string[] {
  // Farther than a third of the name is not a typo of it.
  const max = Math.max(2, Math.ceil(name.length / 3));
  const scored: [number, string][] = [];
  for (const n of names) {
    const d = editDistance(name, n, max);
    if (d <= max) scored.push([d, n]);
  }
  scored.sort((x, y) => x[0] - y[0] || (x[1] < y[1] ? -1 : 1));
  return scored.slice(0, count).map(([, n]) => n);
}
