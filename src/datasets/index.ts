export { type DatasetStore } from './dataset-store.js';
export {
  isFile,
  isStaged,
  readStaged,
  stagedPartPath,
  stagedSchema,
  type StagingS3,
  stageUnits,
  stagingDir,
} from './shard-staging.js';
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
export {
  readWatermarks,
  type UnitWatermark,
  watermarkKey,
  watermarkLocation,
  type WatermarkState,
  writeWatermarks,
} from './watermark-state.js';
export {
  type AppendManifest,
  isRunPart,
  partitionsToDrop,
  runPartition,
  writeAppendPartition,
} from './append-partition.js';
export { type GlueColumn, glueColumns, hiveType, mergedColumns } from './glue-columns.js';
export { registerTable, type RegisterOptions } from './register-table.js';
