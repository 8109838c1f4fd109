// summary.json: the Summary model itself (documented in schemas/summary.schema.json, versioned by
// its summaryVersion field), so a later run can read it back as a baseline.
import type { Summary } from '../analysis/summary-schema.js';

export function renderJson(s: Summary): string {
  return `${JSON.stringify(s, null, 2)}\n`;
}
