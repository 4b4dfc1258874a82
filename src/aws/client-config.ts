import type { NodeHttpHandler } from '@smithy/node-http-handler';
import type { AwsCredentialIdentityProvider } from '@smithy/types';
import { sharedHttpHandler } from './http-handler.js';

export type AwsService = 'sts' | 'organizations' | 'athena' | 's3' | 'sns' | 'glue';

/** What every SDK client here takes as `credentials`. */
export type CredentialProvider = AwsCredentialIdentityProvider;

export interface AwsClientConfig {
  region: string;
  credentials?: CredentialProvider;
  maxAttempts?: number;
  retryMode?: 'standard' | 'adaptive';
  /** AWS_ENDPOINT_URL(_<SERVICE>), given to the SDK directly rather than looked up per client. */
  endpoint?: string;
  /** S3 only: set when an endpoint override is in effect (emulators and S3-compatible stores). */
  forcePathStyle?: boolean;
  /** The process-wide keep-alive pool that honours HTTPS_PROXY/NO_PROXY and AWS_CA_BUNDLE. */
  requestHandler?: NodeHttpHandler;
}

// The SDK's 3 attempts are too few at organization scale: with 5 % of calls throttled, 3 attempts lose
// about one call in 8,000, and a run makes tens of thousands. Adaptive mode also slows a client's send
// rate when it is throttled. (Athena's concurrent-query quota refusal is not retried here: see
// extract/start-query.ts.)
// SNS: notify retries itself (counting attempts for the manifest), so the SDK makes one.
const MAX_ATTEMPTS: Record<AwsService, number> = {
  sts: 8,
  organizations: 10,
  athena: 10,
  s3: 8,
  sns: 1,
  glue: 8,
};

/** Organizations has a single endpoint per partition, whatever region the run uses. */
export function organizationsRegion(region: string): string {
  if (region.startsWith('cn-')) return 'cn-northwest-1';
  if (region.startsWith('us-gov-')) return 'us-gov-west-1';
  return 'us-east-1';
}

function endpointOverride(service: AwsService, env: NodeJS.ProcessEnv): string | undefined {
  return env[`AWS_ENDPOINT_URL_${service.toUpperCase()}`] ?? env.AWS_ENDPOINT_URL;
}

/**
 * Options every SDK client gets. The SDK itself reads AWS_ENDPOINT_URL and AWS_ENDPOINT_URL_<SERVICE>
 * (and AWS_MAX_ATTEMPTS / AWS_RETRY_MODE, which win over our defaults when set).
 */
export function awsClientConfig(
  service: AwsService,
  opts: { region: string; credentials?: CredentialProvider },
  env: NodeJS.ProcessEnv = process.env,
): AwsClientConfig {
  const config: AwsClientConfig = {
    region: service === 'organizations' ? organizationsRegion(opts.region) : opts.region,
  };
  if (opts.credentials) config.credentials = opts.credentials;
  config.requestHandler = sharedHttpHandler(env);
  if (!env.AWS_MAX_ATTEMPTS) config.maxAttempts = MAX_ATTEMPTS[service];
  if (!env.AWS_RETRY_MODE) config.retryMode = 'adaptive';
  const override = endpointOverride(service, env);
  // What the SDK would find itself (unless told to ignore configured endpoints), without a lookup
  // through the environment and the config files for each of the run's clients.
  if (override && !/^true$/i.test(env.AWS_IGNORE_CONFIGURED_ENDPOINT_URLS ?? '')) config.endpoint = override;
  // Virtual-host addressing needs DNS for `<bucket>.<host>`, which an overridden endpoint rarely has.
  if (service === 's3' && override) config.forcePathStyle = true;
  return config;
}
