export type { BatchSource, ParquetOptions, WrittenFile } from './sink-types.js';
export { unionSchemas } from './union-schemas.js';
export { conformBatch } from './conform-batch.js';
export { mergeTypes, sameType, MAX_DECIMAL_PRECISION } from './merge-types.js';
export type { MergedType } from './merge-types.js';
export { writeParquetFile, DEFAULT_ROW_GROUP_SIZE } from './write-parquet-file.js';
export { writeArrowFile } from './write-arrow-file.js';
export { writeFileAtomic } from './write-file-atomic.js';
export { writeJsonAtomic } from './write-json-atomic.js';
