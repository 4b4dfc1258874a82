// The data the Athena pieces hand each other: the engine produces QueryOutput and UnloadOutput, an
// Execution holds them with its UnloadSpec and AthenaErrorShape. Kept apart from the code that makes or
// reads them so that engine, execution and unload import this leaf and never each other in a circle.
import type { AthenaColumn } from './format.js';

/** A statement's result as DuckDB produced it, converted to Athena's column types and text. */
export interface QueryOutput {
  columns: AthenaColumn[];
  /** Values already in Athena's text form; null = SQL NULL. */
  rows: (string | null)[][];
}

/** `UNLOAD (SELECT …) TO 's3://…/' WITH (format = 'PARQUET', …)`, taken apart. */
export interface UnloadSpec {
  select: string;
  /** The TO location, always ending in "/". */
  location: string;
  compression: 'snappy' | 'gzip' | 'zstd' | 'uncompressed';
}

/** What the DuckDB side produced: Parquet parts in result order. */
export interface UnloadOutput {
  rows: number;
  parts: Buffer[];
}

/** ResultConfiguration.EncryptionConfiguration. */
export interface ResultEncryption {
  EncryptionOption: 'SSE_S3' | 'SSE_KMS' | 'CSE_KMS';
  KmsKey?: string;
}

/** Athena's per-query error detail. */
export interface AthenaErrorShape {
  ErrorCategory: number;
  ErrorType: number;
  Retryable: boolean;
  ErrorMessage: string;
}

/** A USER error (category 2, GENERIC_USER_ERROR 1006), as Athena reports a bad statement. */
export const userError = (message: string): AthenaErrorShape => ({
  ErrorCategory: 2,
  ErrorType: 1006,
  Retryable: false,
  ErrorMessage: message,
});
