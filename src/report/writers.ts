// Reporters behind one name → writer map: each turns the Summary into one file.
import type { Summary } from '../analysis/summary-schema.js';
import { REPORT_FORMATS, type ReportFormat } from './formats.js';
import { renderJson } from './json.js';
import { renderJunit } from './junit.js';
import { renderMarkdown } from './markdown.js';

interface ReportWriter {
  /** File name inside the output folder. */
  fileName: string;
  render(summary: Summary): string | Promise<string>;
}

export const writers = {
  md: { fileName: 'report.md', render: renderMarkdown },
  // Loaded on first use: vega and vega-lite take most of a second to import, and every CLI command
  // (plan, fetch …) would pay for them otherwise.
  html: { fileName: 'report.html', render: async (s: Summary) => (await import('./html.js')).renderHtml(s) },
  json: { fileName: 'summary.json', render: renderJson },
  junit: { fileName: 'junit.xml', render: renderJunit },
} as const satisfies Record<ReportFormat, ReportWriter>;

export { REPORT_FORMATS, type ReportFormat };

export function isReportFormat(name: string): name is ReportFormat {
  return Object.hasOwn(writers, name);
}
