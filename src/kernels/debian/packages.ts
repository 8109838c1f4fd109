// A suite's Packages index (deb822 stanzas) and the walk from a requested package, through Depends, to
// the packages that really hold a kernel: meta `linux-image-cloud-amd64` → `linux-image-<abi>`, and in sid
// the nearly empty `linux-image-<abi>` → `linux-binary-<abi>` + `linux-modules-<abi>` + `linux-base-<abi>`.
import { err, ok, type Result } from '../../util/result.js';
import { closest } from '../closest.js';
import { compareVersions } from './version.js';

interface DebPackage {
  name: string;
  version: string;
  filename: string;
  sha256: string;
  size: number;
  depends: string[][];
  provides: string[];
}

export type PackageIndex = Map<string, DebPackage[]>;

const FIELDS = new Set(['Package', 'Version', 'Filename', 'SHA256', 'Size', 'Depends', 'Pre-Depends', 'Provides']);

/** `a (>= 1), b | c [amd64]` → [['a'], ['b', 'c']]: names only, versions and qualifiers dropped. */
export function parseDepends(field: string): string[][] {
  return field
    .split(',')
    .map((group) =>
      group
        .split('|')
        .map((alt) => alt.trim().split(/[\s([:]/)[0] ?? '')
        .filter((n) => n !== ''),
    )
    .filter((g) => g.length > 0);
}

/** `keep` limits the index to the names a caller can use (a whole suite is ~60 000 packages). */
export function parsePackages(text: string, keep: (name: string) => boolean = () => true): PackageIndex {
  const index: PackageIndex = new Map();
  for (const stanza of text.split(/\n\n+/)) {
    const first = /^Package:\s*(\S+)/.exec(stanza);
    if (first === null || !keep(first[1] as string)) continue;
    const f: Record<string, string> = {};
    let key = '';
    for (const line of stanza.split('\n')) {
      if (line.startsWith(' ') || line.startsWith('\t')) {
        if (FIELDS.has(key)) f[key] += ` ${line.trim()}`;
        continue;
      }
      const colon = line.indexOf(':');
      if (colon <= 0) continue;
      key = line.slice(0, colon);
      if (FIELDS.has(key)) f[key] = line.slice(colon + 1).trim();
    }
    const name = f.Package;
    if (!name || !f.Version || !f.Filename || !f.SHA256) continue;
    const pkg: DebPackage = {
      name,
      version: f.Version,
      filename: f.Filename,
      sha256: f.SHA256,
      size: Number(f.Size ?? 0),
      depends: [...parseDepends(f['Pre-Depends'] ?? ''), ...parseDepends(f.Depends ?? '')],
      provides: parseDepends(f.Provides ?? '').flat(),
    };
    const list = index.get(name);
    if (list) list.push(pkg);
    else index.set(name, [pkg]);
  }
  return index;
}

/** The newest version when a suite carries several (it rarely does). */
export function newest(index: PackageIndex, name: string): DebPackage | undefined {
  const list = index.get(name);
  if (!list || list.length === 0) return undefined;
  return list.reduce((a, b) => (compareVersions(b.version, a.version) > 0 ? b : a));
}

/** Packages whose name carries a kernel ABI: the ones with kernel files in them. */
const KERNEL_PACKAGE_RE = /^linux-(image|binary|modules|base)-\d/;
/** Dependencies worth following: kernel packages and metas that lead to them (not kmod, initramfs-tools). */
const FOLLOW_RE = /^linux-(image|binary|modules|base)-/;

interface KernelPackages {
  requested: DebPackage;
  /** The package holding the kernel image: linux-binary-<abi> when split, else linux-image-<abi>. */
  holder: DebPackage;
  /** Every kernel-bearing package to download, holder first. */
  files: DebPackage[];
}

export function resolveKernelPackages(index: PackageIndex, requested: string, where: string): Result<KernelPackages, string> {
  const start = newest(index, requested);
  if (start === undefined) {
    const near = closest(requested, index.keys());
    const hint = near.length > 0 ? `; closest: ${near.join(', ')}` : '';
    return err(`package "${requested}" is not in ${where}${hint}`);
  }
  const seen = new Set<string>([start.name]);
  const queue: DebPackage[] = [start];
  const found: DebPackage[] = [];
  while (queue.length > 0) {
    const p = queue.shift() as DebPackage;
    if (KERNEL_PACKAGE_RE.test(p.name)) found.push(p);
    for (const group of p.depends) {
      // First alternative that exists, as apt would pick it.
      const choice = group.find((n) => index.has(n));
      if (choice === undefined || !FOLLOW_RE.test(choice) || seen.has(choice)) continue;
      const dep = newest(index, choice);
      if (dep === undefined) continue;
      seen.add(choice);
      queue.push(dep);
    }
  }
  const holder = found.find((p) => p.name.startsWith('linux-binary-')) ?? found.find((p) => p.name.startsWith('linux-image-'));
  if (holder === undefined) {
    return err(
      `package "${requested}" in ${where} does not lead to a kernel image (no linux-image-<abi> or linux-binary-<abi> in its Depends)`,
    );
  }
  return ok({ requested: start, holder, files: [holder, ...found.filter((p) => p !== holder)] });
}
