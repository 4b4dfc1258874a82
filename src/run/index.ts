export { executeRun, type ExecuteRunOptions, type RunInterruption } from './execute-run.js';
export { prepareRun, publishMetrics } from './run-observability.js';
export { RunProgress } from './run-progress.js';
export { estimateCostUSD, finishManifest, type ManifestDraft, summarize } from './run-report.js';
export { type RunCredentials } from './run-stages.js';
export { runUnit, type UnitValue } from './run-unit.js';
export { runUnits } from './run-units.js';
export { renderPath, writeOutputs } from './write-outputs.js';
