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
