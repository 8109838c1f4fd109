// Debian version ordering (deb-version(7)): epoch, then upstream and revision compared piecewise, with
// "~" sorting before everything (so 6.1~rc1 < 6.1). Needed only to pick the newest of several versions.

function order(c: string): number {
  if (c === '~') return -1;
  if (c === '') return 0;
  if (/[A-Za-z]/.test(c)) return c.charCodeAt(0);
  return c.charCodeAt(0) + 256;
}

function comparePart(a: string, b: string): number {
  let i = 0;
  let j = 0;
  while (i < a.length || j < b.length) {
    // non-digit prefix, character by character
    while ((i < a.length && !/\d/.test(a[i] as string)) || (j < b.length && !/\d/.test(b[j] as string))) {
      const ca = i < a.length && !/\d/.test(a[i] as string) ? (a[i] as string) : '';
      const cb = j < b.length && !/\d/.test(b[j] as string) ? (b[j] as string) : '';
      const d = order(ca) - order(cb);
      if (d !== 0) return d;
      if (ca !== '') i++;
      if (cb !== '') j++;
    }
    let na = '';
    let nb = '';
    while (i < a.length && /\d/.test(a[i] as string)) na += a[i++];
    while (j < b.length && /\d/.test(b[j] as string)) nb += b[j++];
    const d = Number(na || '0') - Number(nb || '0');
    if (d !== 0) return d;
  }
  return 0;
}

function split(v: string): [number, string, string] {
  const colon = v.indexOf(':');
  const epoch = colon > 0 ? Number(v.slice(0, colon)) : 0;
  const rest = colon > 0 ? v.slice(colon + 1) : v;
  const dash = rest.lastIndexOf('-');
  return dash > 0 ? [epoch, rest.slice(0, dash), rest.slice(dash + 1)] : [epoch, rest, ''];
}

export function compareVersions(a: string, b: string): number {
  const [ea, ua, ra] = split(a);
  const [eb, ub, rb] = split(b);
  return Math.sign(ea - eb || comparePart(ua, ub) || comparePart(ra, rb));
}
