import type { z } from 'zod';

/** `variants[0].samples[3].durationNs: expected number` — one line per problem, naming the field. */
export function formatIssues(issues: readonly z.core.$ZodIssue[]): string[] {
  return issues.map((i) => {
    const where = i.path
      .map((p, n) => (typeof p === 'number' ? `[${p}]` : `${n === 0 ? '' : '.'}${String(p)}`))
      .join('');
    return `${where || '(root)'}: ${i.message}`;
  });
}
