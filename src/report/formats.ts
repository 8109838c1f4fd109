// The report formats by name, without their renderers: `report --help` lists them without loading any.
export const REPORT_FORMATS = ['md', 'html', 'json', 'junit'] as const;
export type ReportFormat = (typeof REPORT_FORMATS)[number];
