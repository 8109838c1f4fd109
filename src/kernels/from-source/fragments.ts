// Config fragments (kernels/configs/*.config): the options a build asks for, each remembered with the
// file and line that asked, so the config check can say where a dropped option came from.

interface Requirement {
  /** Without the CONFIG_ prefix. */
  symbol: string;
  /** 'y', 'm', 'n' (from "# CONFIG_X is not set"), or a number / quoted string. */
  value: string;
  where: string;
}

/** "# tailmatrix: one-of A B": at least one of these must be on (Kconfig names change across versions). */
export interface OneOf {
  symbols: string[];
  where: string;
}

export interface Fragment {
  file: string;
  text: string;
  assignments: Requirement[];
  oneOf: OneOf[];
}

const ASSIGN_RE = /^CONFIG_([A-Za-z0-9_]+)=(.*)$/;
const UNSET_RE = /^# CONFIG_([A-Za-z0-9_]+) is not set$/;
const ONE_OF_RE = /^#\s*tailmatrix:\s*one-of\s+(.+)$/;

export function parseFragment(text: string, file: string): Fragment {
  const assignments: Requirement[] = [];
  const oneOf: OneOf[] = [];
  text.split('\n').forEach((raw, i) => {
    const line = raw.trim();
    const where = `${file}:${i + 1}`;
    const a = ASSIGN_RE.exec(line);
    if (a?.[1] !== undefined && a[2] !== undefined) {
      assignments.push({ symbol: a[1], value: a[2], where });
      return;
    }
    const u = UNSET_RE.exec(line);
    if (u?.[1] !== undefined) {
      assignments.push({ symbol: u[1], value: 'n', where });
      return;
    }
    const o = ONE_OF_RE.exec(line);
    if (o?.[1] !== undefined) oneOf.push({ symbols: o[1].split(/\s+/).map((s) => s.replace(/^CONFIG_/, '')), where });
  });
  return { file, text, assignments, oneOf };
}

/** Symbol → value as a .config file sets it (unset symbols are absent; "is not set" gives 'n'). */
export function parseDotConfig(text: string): Map<string, string> {
  const values = new Map<string, string>();
  for (const r of parseFragment(text, '.config').assignments) values.set(r.symbol, r.value);
  return values;
}

/** The last assignment of each symbol across fragments wins, as it does when they are concatenated. */
export function effectiveRequirements(fragments: readonly Fragment[]): Requirement[] {
  const bySymbol = new Map<string, Requirement>();
  for (const f of fragments) for (const r of f.assignments) bySymbol.set(r.symbol, r);
  return [...bySymbol.values()];
}
