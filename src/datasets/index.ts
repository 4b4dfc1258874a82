export { type DatasetStore } from './dataset-store.js';
export { isFile, readStaged, stagedPartPath, stagedSchema, stageUnits, stagingDir } from './shard-staging.js';
export {
  type DatasetFile,
  datasetManifest,
  datasetStore,
  EXTENSION,
  isPartFile,
  sharedPartPath,
  SUCCESS_MARKER,
  withoutColumn,
  writePartitioned,
} from './write-partitioned.js';
export { type GlueColumn, glueColumns, hiveType, mergedColumns } from './glue-columns.js';
export { registerTable, type RegisterOptions } from './register-table.js';
