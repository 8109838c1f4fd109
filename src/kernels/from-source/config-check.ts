// After olddefconfig: is every option the fragments asked for really on? Kconfig silently drops an
// option whose dependencies are off (tinyconfig + CONFIG_BPF_JIT=y gives no JIT: it needs MODULES), so
// the build fails here, naming each missing option and the dependency that is off.
import type { Fragment, OneOf } from './fragments.js';
import { effectiveRequirements } from './fragments.js';
import type { KconfigDb } from './kconfig.js';
import { annotate, conjuncts, evaluate, type Values } from './kconfig-expr.js';

interface MissingOption {
  symbol: string;
  want: string;
  /** Value in the final .config ('n' when unset). */
  have: string;
  /** Fragment file:line that asked for it. */
  where: string;
  /** Every dependency, annotated with current values ("MODULES=n"). */
  dependsOn: string[];
  /** The dependency terms that are off right now: what to add to the fragment. */
  unmet: string[];
  selectedBy: string[];
}

interface UnsatisfiedOneOf {
  symbols: string[];
  where: string;
  /** Those of the names this kernel knows. */
  known: string[];
}

export interface ConfigCheck {
  ok: boolean;
  /** How many requested options were verified. */
  checked: number;
  missing: MissingOption[];
  oneOf: UnsatisfiedOneOf[];
  /** Requested options this kernel's Kconfig does not define (renamed, newer or older): not errors. */
  unknown: string[];
}

function satisfied(want: string, have: string): boolean {
  if (want === 'n') return have === 'n';
  if (want === 'm') return have === 'm' || have === 'y';
  return want === have;
}

/**
 * A one-of group stops binding once a later fragment assigns one of its names: that fragment chose
 * otherwise on purpose (a variant that turns retpolines off), and its own assignment is what is checked,
 * just as a later `CONFIG_X=n` replaces an earlier `CONFIG_X=y`.
 */
function overriddenLater(later: readonly Fragment[], group: OneOf): boolean {
  return later.some((f) => f.assignments.some((a) => group.symbols.includes(a.symbol)));
}

export function checkConfig(fragments: readonly Fragment[], config: Values, db: KconfigDb): ConfigCheck {
  const missing: MissingOption[] = [];
  const unknown: string[] = [];
  let checked = 0;
  for (const req of effectiveRequirements(fragments)) {
    const sym = db.get(req.symbol);
    if (sym === undefined) {
      unknown.push(req.symbol);
      continue;
    }
    checked += 1;
    const have = config.get(req.symbol) ?? 'n';
    if (satisfied(req.value, have)) continue;
    const terms = sym.dependsOn.flatMap(conjuncts);
    missing.push({
      symbol: req.symbol,
      want: req.value,
      have,
      where: req.where,
      dependsOn: sym.dependsOn.map((d) => annotate(d, config)),
      unmet: terms.filter((t) => evaluate(t, config) === 0).map((t) => annotate(t, config)),
      selectedBy: sym.selectedBy,
    });
  }
  const oneOf: UnsatisfiedOneOf[] = [];
  fragments.forEach((f, i) => {
    for (const group of f.oneOf) {
      if (group.symbols.some((s) => config.get(s) === 'y')) continue;
      if (overriddenLater(fragments.slice(i + 1), group)) continue;
      oneOf.push({ symbols: group.symbols, where: group.where, known: group.symbols.filter((s) => db.has(s)) });
    }
  });
  return { ok: missing.length === 0 && oneOf.length === 0, checked, missing, oneOf, unknown };
}

/** One line per problem, ready for an error message or a log. */
export function formatConfigCheck(c: ConfigCheck): string[] {
  const lines: string[] = [];
  for (const m of c.missing) {
    const why =
      m.unmet.length > 0
        ? `unmet: ${m.unmet.join(', ')}`
        : m.dependsOn.length > 0
          ? `depends on ${m.dependsOn.join(' && ')}`
          : 'its dependencies are met, so the base config, a later fragment or a choice turned it off';
    const sel = m.selectedBy.length > 0 ? `; selected by ${m.selectedBy.slice(0, 4).join(', ')}` : '';
    lines.push(`CONFIG_${m.symbol}: wanted ${m.want}, got ${m.have} (${m.where}); ${why}${sel}`);
  }
  for (const g of c.oneOf) {
    lines.push(
      g.known.length > 0
        ? `none of ${g.symbols.map((s) => `CONFIG_${s}`).join(', ')} is on (${g.where}); this kernel knows ${g.known.join(', ')}`
        : `none of ${g.symbols.map((s) => `CONFIG_${s}`).join(', ')} exists in this kernel (${g.where})`,
    );
  }
  return lines;
}
