import type { ScenarioCatalog } from '../glue/catalog.js';
import type { ObjectEncryption } from '../s3-sse.js';
import type { Scenario } from '../scenario.js';
import type { WorkgroupInput } from '../scenario-catalog.js';
import { invalid } from './execution.js';
import type { ResultEncryption } from './shapes.js';

/** Where a query's results go and how they are encrypted, after the workgroup had its say. */
export interface ResultSettings {
  outputLocation: string | undefined;
  encryption: ResultEncryption | undefined;
}

/**
 * The account's workgroup of that name: the scenario's `workgroups:`, else `primary` as before
 * workgroups were configurable (enabled, the primaryOutputLocation knob, nothing enforced).
 */
export function findWorkgroup(
  scenario: Scenario,
  catalog: ScenarioCatalog,
  accountId: string,
  name: string,
): WorkgroupInput | undefined {
  const configured = catalog.workgroups(accountId).find((w) => w.name === name);
  if (configured || name !== 'primary') return configured;
  const output = scenario.knobs.primaryOutputLocation?.replaceAll('{accountId}', accountId);
  return {
    name,
    state: 'ENABLED',
    enforce: false,
    ...(output === undefined ? {} : { outputLocation: output }),
  };
}

/** A workgroup StartQueryExecution may run in, or Athena's InvalidRequestException. */
export function usableWorkgroup(wg: WorkgroupInput | undefined, name: string): WorkgroupInput {
  if (!wg) throw invalid(`WorkGroup ${name} is not found.`);
  if (wg.state === 'DISABLED') throw invalid('WorkGroup is disabled');
  return wg;
}

const encryptionOf = (wg: WorkgroupInput): ResultEncryption | undefined =>
  wg.encryption === undefined
    ? undefined
    : {
        EncryptionOption: wg.encryption.option,
        ...(wg.encryption.kmsKey === undefined ? {} : { KmsKey: wg.encryption.kmsKey }),
      };

/**
 * Enforced (EnforceWorkGroupConfiguration): the workgroup's location and encryption, whatever the
 * request said. Otherwise the request's, each falling back to the workgroup's.
 */
export function resultSettings(wg: WorkgroupInput, requested: Partial<ResultSettings>): ResultSettings {
  if (wg.enforce) return { outputLocation: wg.outputLocation, encryption: encryptionOf(wg) };
  return {
    outputLocation: requested.outputLocation ?? wg.outputLocation,
    encryption: requested.encryption ?? encryptionOf(wg),
  };
}

/** How S3 stores result objects written with this setting (CSE_KMS: the client encrypted them). */
export function objectEncryption(
  enc: ResultEncryption | undefined,
  region: string,
  accountId: string,
): ObjectEncryption | undefined {
  if (enc === undefined) return undefined;
  if (enc.EncryptionOption === 'SSE_S3') return { algorithm: 'AES256', requested: {} };
  if (enc.EncryptionOption === 'CSE_KMS') return undefined;
  return {
    algorithm: 'aws:kms',
    kmsKeyId: enc.KmsKey ?? `arn:aws:kms:${region}:${accountId}:alias/aws/s3`,
    requested: {},
  };
}

/** GetWorkGroup's answer. */
export function workgroupShape(wg: WorkgroupInput): unknown {
  const encryption = encryptionOf(wg);
  return {
    WorkGroup: {
      Name: wg.name,
      State: wg.state,
      Description: wg.description,
      Configuration: {
        ResultConfiguration: {
          ...(wg.outputLocation === undefined ? {} : { OutputLocation: wg.outputLocation }),
          ...(encryption === undefined ? {} : { EncryptionConfiguration: encryption }),
        },
        EnforceWorkGroupConfiguration: wg.enforce,
        PublishCloudWatchMetricsEnabled: false,
        ...(wg.bytesScannedCutoffPerQuery === undefined
          ? {}
          : { BytesScannedCutoffPerQuery: wg.bytesScannedCutoffPerQuery }),
        RequesterPaysEnabled: false,
        EngineVersion: { SelectedEngineVersion: 'AUTO', EffectiveEngineVersion: 'Athena engine version 3' },
      },
      CreationTime: 1_600_000_000,
    },
  };
}
