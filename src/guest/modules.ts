// The kernel's own modules a benchmark needs (veth, sch_ingress, cls_bpf …), with their dependencies,
// in an order insmod can load them. Debian's .debs ship no modules.dep (depmod runs at install time),
// so when the file is missing it is generated with `depmod -n`, which writes to stdout and leaves the
// read-only kernel cache untouched.
import { existsSync } from 'node:fs';
import { readFile, rm, symlink, mkdir } from 'node:fs/promises';
import path from 'node:path';
import { gunzipSync } from 'node:zlib';
import { execCommand } from '../util/exec.js';
import { makeWorkDir } from '../util/work-dir.js';
import { err, ok, type Result } from '../util/result.js';

/** depmod over a whole cloud kernel's modules takes ~3-4 s here; a generous bound for slow CI disks. */
const DEPMOD_TIMEOUT_MS = 120_000;
/** Decompressing one module is well under a second. */
const DECOMPRESS_TIMEOUT_MS = 60_000;

/** modules.dep: module path (relative to the modules dir) → the paths it depends on. */
type ModulesDep = Map<string, string[]>;

/** "kernel/net/sched/sch_ingress.ko.xz" → "sch_ingress"; modprobe treats "-" and "_" alike. */
export function moduleName(p: string): string {
  return path
    .basename(p)
    .replace(/\.ko(\.(xz|zst|gz))?$/, '')
    .replace(/-/g, '_');
}

export function parseModulesDep(text: string): ModulesDep {
  const dep: ModulesDep = new Map();
  for (const raw of text.split('\n')) {
    const line = raw.trim();
    if (line === '' || line.startsWith('#')) continue;
    const colon = line.indexOf(':');
    if (colon < 0) continue;
    const mod = line.slice(0, colon).trim();
    const deps = line
      .slice(colon + 1)
      .trim()
      .split(/\s+/)
      .filter((d) => d !== '');
    dep.set(mod, deps);
  }
  return dep;
}

/** Names of built-in modules (modules.builtin lists their would-be paths). */
export function parseBuiltin(text: string): Set<string> {
  return new Set(
    text
      .split('\n')
      .map((l) => l.trim())
      .filter((l) => l !== '')
      .map(moduleName),
  );
}

/** How a missing module's error starts: the benchmark cannot run on this kernel (bench-failed), the VM is fine. */
const MISSING_MODULE = 'kernel has no module';
export const isMissingModule = (error: string): boolean => error.startsWith(MISSING_MODULE);

interface ResolvedModules {
  /** Module paths, dependencies before the modules that need them. */
  loadOrder: string[];
  /** Requested names that are built into the kernel (nothing to load). */
  builtin: string[];
}

/** Every requested module plus its dependencies, dependencies first; an unknown name is an error. */
export function resolveModules(
  dep: ModulesDep,
  wanted: readonly string[],
  builtin: ReadonlySet<string> = new Set(),
): Result<ResolvedModules, string> {
  const byName = new Map<string, string>();
  for (const p of dep.keys()) byName.set(moduleName(p), p);
  const loadOrder: string[] = [];
  const done = new Set<string>();
  const active = new Set<string>();
  const builtinHits: string[] = [];
  const missing: string[] = [];

  const visit = (p: string, chain: string[]): string | undefined => {
    if (done.has(p)) return undefined;
    if (active.has(p)) return `dependency cycle: ${[...chain, p].map(moduleName).join(' → ')}`;
    active.add(p);
    for (const d of dep.get(p) ?? []) {
      if (!dep.has(d)) return `modules.dep: ${moduleName(p)} depends on ${d}, which has no entry`;
      const e = visit(d, [...chain, p]);
      if (e) return e;
    }
    active.delete(p);
    done.add(p);
    loadOrder.push(p);
    return undefined;
  };

  for (const w of wanted) {
    const name = moduleName(w);
    const p = byName.get(name);
    if (p === undefined) {
      if (builtin.has(name)) builtinHits.push(name);
      else missing.push(name);
      continue;
    }
    const e = visit(p, []);
    if (e) return err(e);
  }
  if (missing.length > 0) return err(`${MISSING_MODULE} ${missing.join(', ')} (neither in modules.dep nor built in)`);
  return ok({ loadOrder, builtin: builtinHits });
}

/** modules.dep of a kernel's modules dir, generated with `depmod -n` when the package shipped none. */
async function readModulesDep(modulesDir: string, opts: { signal?: AbortSignal } = {}): Promise<Result<string, string>> {
  const file = path.join(modulesDir, 'modules.dep');
  if (existsSync(file)) return ok(await readFile(file, 'utf8'));
  const release = path.basename(modulesDir);
  // depmod -b BASE looks in BASE/lib/modules/<release>; point that at the cache through a symlink.
  const base = await makeWorkDir('depmod');
  try {
    await mkdir(path.join(base, 'lib', 'modules'), { recursive: true });
    await symlink(path.resolve(modulesDir), path.join(base, 'lib', 'modules', release));
    const res = await execCommand('depmod', ['-n', '-b', base, release], { signal: opts.signal, timeoutMs: DEPMOD_TIMEOUT_MS });
    if (!res.ok) return err(`depmod (package kmod) failed: ${res.error.message}`);
    // -n prints modules.dep first, then the other index files, each after a "# ..." header.
    const depPart = res.value.stdout.split(/^#/m)[0] ?? '';
    return ok(depPart);
  } finally {
    await rm(base, { recursive: true, force: true });
  }
}

/** A module file as plain ELF: busybox insmod cannot read .ko.xz / .ko.zst. */
export async function readModuleDecompressed(file: string, opts: { signal?: AbortSignal } = {}): Promise<Result<Uint8Array, string>> {
  if (file.endsWith('.gz')) return ok(gunzipSync(await readFile(file)));
  const tool = file.endsWith('.xz') ? 'xz' : file.endsWith('.zst') ? 'zstd' : undefined;
  if (tool === undefined) return ok(new Uint8Array(await readFile(file)));
  const res = await execCommand(tool, ['-dc', file], { binary: true, signal: opts.signal, timeoutMs: DECOMPRESS_TIMEOUT_MS });
  if (!res.ok) return err(`${tool} could not decompress ${file}: ${res.error.message}`);
  return ok(res.value.stdoutBytes ?? new Uint8Array(0));
}

/** Resolve and read the modules a benchmark needs from a kernel's modules dir. */
export async function collectModules(
  modulesDir: string | undefined,
  wanted: readonly string[],
  opts: { signal?: AbortSignal } = {},
): Promise<Result<{ name: string; file: string; data: Uint8Array }[], string>> {
  if (wanted.length === 0) return ok([]);
  if (modulesDir === undefined) return err(`modules ${wanted.join(', ')} are needed but this kernel comes without a modules directory`);
  const depText = await readModulesDep(modulesDir, opts);
  if (!depText.ok) return depText;
  const builtinFile = path.join(modulesDir, 'modules.builtin');
  const builtin = existsSync(builtinFile) ? parseBuiltin(await readFile(builtinFile, 'utf8')) : new Set<string>();
  const resolved = resolveModules(parseModulesDep(depText.value), wanted, builtin);
  if (!resolved.ok) return resolved;
  const out: { name: string; file: string; data: Uint8Array }[] = [];
  for (const rel of resolved.value.loadOrder) {
    const data = await readModuleDecompressed(path.join(modulesDir, rel), opts);
    if (!data.ok) return data;
    out.push({ name: moduleName(rel), file: `${moduleName(rel)}.ko`, data: data.value });
  }
  return ok(out);
}
