export { chartLibrary } from './chart-library.js';
export { escapeHtml, jsonForScript } from './html-text.js';
export { renderReport, type ReportInput } from './render-report.js';
export { isRunManifest, readRunHistory, type RunPoint } from './run-history.js';
export { ReportInputError, writeReport, type WriteReportOptions } from './write-report.js';
