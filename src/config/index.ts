export { loadConfig, CONFIG_FILE_NAMES } from './load-config.js';
export { parseConfig, formatConfigIssue } from './parse-config.js';
export {
  pipelineConfigSchema,
  SAMPLE_ACCOUNT_ID,
  DEFAULT_SESSION_NAME,
  DEFAULT_DURATION_SECONDS,
  type PipelineConfigInput,
} from './schema.js';
export { partitionOfArn, partitionOfRegion } from './partition-rules.js';
export { overrideNeedsTags, overrideTemplateTexts } from './normalise-overrides.js';
export { renderSetting, type SettingValues } from './setting-template.js';
export { settingProblem } from './setting-problem.js';
export type {
  AccountMatch,
  AccountOverride,
  OverrideSettings,
  AccountsConfig,
  AppendMode,
  AthenaDefaults,
  IncrementalConfig,
  LoadConfigOptions,
  LoadedConfig,
  ParquetCompression,
  ParseConfigOptions,
  ParseConfigResult,
  PipelineConfig,
  QueryConfig,
  RegisterTable,
  SinkConfig,
  MetricsConfig,
  ScheduleConfig,
  AlertStatus,
  NotifyTarget,
  IamSettings,
} from './types.js';
export type { ConfigIssue } from '../errors.js';
export { PROVENANCE_FIELDS, type ProvenanceColumn, type ProvenanceField } from './provenance-schema.js';
export { sourceIsRoleSession, type CredentialSource, type MfaSource } from './credential-source.js';
export { accountChainStartsAtMaster } from './account-chain-start.js';
export * from './role-hop.js';
export * from './placeholders.js';
export {
  misplacedMarkerMessage,
  templateMarkers,
  type MarkerContext,
  type TemplateMarker,
} from './sql-template.js';
export { tableReferences, type TableReference } from './sql-tables.js';
export { parseInstant } from './incremental-schema.js';
