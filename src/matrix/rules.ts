import type { Matrix } from './schema.js';

function duplicates(names: readonly string[], where: string): string[] {
  const seen = new Map<string, number>();
  const errors: string[] = [];
  names.forEach((name, i) => {
    const first = seen.get(name);
    if (first === undefined) seen.set(name, i);
    else errors.push(`${where}[${i}]: "${name}" is already used by ${where}[${first}]`);
  });
  return errors;
}

/** Rules the schema cannot express: unique names, exactly one origin for a build. */
export function checkRules(m: Matrix): string[] {
  const errors = [
    ...duplicates(m.kernels.map((k) => k.id), 'kernels').map((e) => e.replace(/]: /, '].id: ')),
    ...duplicates(m.boots.map((b) => b.name), 'boots').map((e) => e.replace(/]: /, '].name: ')),
    ...duplicates(m.benchmarks.map((b) => b.name), 'benchmarks').map((e) => e.replace(/]: /, '].name: ')),
  ];
  m.kernels.forEach((k, i) => {
    if (k.source.type !== 'build') return;
    const origins = [k.source.tree, k.source.tarball, k.source.debianSource].filter((o) => o !== undefined);
    if (origins.length !== 1) {
      errors.push(`kernels[${i}].source: a build needs exactly one of "tree", "tarball" or "debianSource"`);
    }
    if (k.source.ref !== undefined && k.source.tree === undefined) {
      errors.push(`kernels[${i}].source.ref: only meaningful with "tree"`);
    }
  });
  return errors;
}
