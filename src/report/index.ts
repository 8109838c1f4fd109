// The report step's public face: what `run` and `report` call.
export { writeReports, exitCodeFor, type WriteReportsOptions, type WriteReportsOutcome } from './write-reports.js';
export { writers, REPORT_FORMATS, isReportFormat, type ReportFormat, type ReportWriter } from './writers.js';
