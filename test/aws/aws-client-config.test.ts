import { afterEach, describe, expect, it, vi } from 'vitest';
import { AssumeRoleCommand, STSClient } from '@aws-sdk/client-sts';
import { OrganizationsClient } from '@aws-sdk/client-organizations';
import { S3Client } from '@aws-sdk/client-s3';
import { awsClientConfig, loadedSettings, organizationsRegion } from '../../src/aws/index.js';
import { fakeSts } from '../helpers/fake-sts.js';

const credentials = () => Promise.resolve({ accessKeyId: 'AKIABASE', secretAccessKey: 's' });

async function stsHost(env: Record<string, string>): Promise<string> {
  for (const [k, v] of Object.entries(env)) vi.stubEnv(k, v);
  const sts = fakeSts();
  const client = new STSClient({
    ...awsClientConfig('sts', { region: 'eu-west-1', credentials }),
    requestHandler: sts.requestHandler,
  });
  await client.send(
    new AssumeRoleCommand({
      RoleArn: 'arn:aws:iam::111111111111:role/R',
      RoleSessionName: 'ss',
      DurationSeconds: 900,
    }),
  );
  return sts.hosts[0]!;
}

describe('awsClientConfig', () => {
  afterEach(() => {
    vi.unstubAllEnvs();
  });

  it('lets the installed SDK honour AWS_ENDPOINT_URL, with AWS_ENDPOINT_URL_<SERVICE> winning', async () => {
    vi.stubEnv('AWS_ENDPOINT_URL', undefined);
    vi.stubEnv('AWS_ENDPOINT_URL_STS', undefined);
    expect(await stsHost({})).toBe('sts.eu-west-1.amazonaws.com:');
    expect(await stsHost({ AWS_ENDPOINT_URL: 'http://127.0.0.1:4599' })).toBe('127.0.0.1:4599');
    expect(
      await stsHost({
        AWS_ENDPOINT_URL: 'http://127.0.0.1:4599',
        AWS_ENDPOINT_URL_STS: 'http://127.0.0.1:4600',
      }),
    ).toBe('127.0.0.1:4600');
  });

  it('gives an endpoint override to the SDK directly, unless configured endpoints are ignored', () => {
    const env = { AWS_ENDPOINT_URL: 'http://127.0.0.1:4599', AWS_ENDPOINT_URL_S3: 'http://127.0.0.1:4600' };
    expect(awsClientConfig('athena', { region: 'eu-west-1' }, env).endpoint).toBe('http://127.0.0.1:4599');
    expect(awsClientConfig('s3', { region: 'eu-west-1' }, env).endpoint).toBe('http://127.0.0.1:4600');
    expect(
      awsClientConfig('s3', { region: 'eu-west-1' }, { ...env, AWS_IGNORE_CONFIGURED_ENDPOINT_URLS: 'true' })
        .endpoint,
    ).toBeUndefined();
    expect(awsClientConfig('athena', { region: 'eu-west-1' }, {}).endpoint).toBeUndefined();
  });

  it('loadedSettings: each client gets what the environment sets, loaded once per key', async () => {
    const make = (key: string) =>
      new STSClient({
        ...awsClientConfig('sts', { region: 'eu-west-1', credentials }),
        ...loadedSettings(key, () => new STSClient(awsClientConfig('sts', { region: 'eu-west-1' }))),
      });
    vi.stubEnv('AWS_USE_FIPS_ENDPOINT', 'true');
    vi.stubEnv('AWS_USE_DUALSTACK_ENDPOINT', 'true');
    const first = make('fips/eu-west-1');
    expect(await first.config.useFipsEndpoint()).toBe(true);
    expect(await first.config.useDualstackEndpoint()).toBe(true);
    vi.stubEnv('AWS_USE_FIPS_ENDPOINT', 'false');
    vi.stubEnv('AWS_USE_DUALSTACK_ENDPOINT', 'false');
    // The same key: the values loaded for it, as one SDK client keeps what it loaded.
    expect(await make('fips/eu-west-1').config.useFipsEndpoint()).toBe(true);
    const plain = make('plain/eu-west-1');
    expect(await plain.config.useFipsEndpoint()).toBe(false);
    expect(await plain.config.useDualstackEndpoint()).toBe(false);
  });

  it('calls Organizations in its partition region whatever the run region', async () => {
    expect(awsClientConfig('organizations', { region: 'eu-west-1' }).region).toBe('us-east-1');
    expect(organizationsRegion('cn-north-1')).toBe('cn-northwest-1');
    expect(organizationsRegion('us-gov-east-1')).toBe('us-gov-west-1');
    const client = new OrganizationsClient(
      awsClientConfig('organizations', { region: 'ap-southeast-2', credentials }),
    );
    expect(await client.config.region()).toBe('us-east-1');
  });

  it('uses path-style S3 only when an endpoint override is in effect', () => {
    expect(awsClientConfig('s3', { region: 'eu-west-1' }, {}).forcePathStyle).toBeUndefined();
    expect(
      awsClientConfig('s3', { region: 'eu-west-1' }, { AWS_ENDPOINT_URL: 'http://localhost:1' })
        .forcePathStyle,
    ).toBe(true);
    expect(
      awsClientConfig('s3', { region: 'eu-west-1' }, { AWS_ENDPOINT_URL_S3: 'http://localhost:1' })
        .forcePathStyle,
    ).toBe(true);
    expect(
      awsClientConfig('athena', { region: 'eu-west-1' }, { AWS_ENDPOINT_URL: 'http://x' }).forcePathStyle,
    ).toBe(undefined);
    const s3 = new S3Client(
      awsClientConfig('s3', { region: 'eu-west-1' }, { AWS_ENDPOINT_URL: 'http://localhost:1' }),
    );
    expect(s3.config.forcePathStyle).toBe(true);
  });

  it('sets retry defaults unless AWS_MAX_ATTEMPTS / AWS_RETRY_MODE are set', () => {
    expect(awsClientConfig('organizations', { region: 'eu-west-1' }, {})).toMatchObject({
      maxAttempts: 10,
      retryMode: 'adaptive',
    });
    expect(awsClientConfig('athena', { region: 'eu-west-1' }, {})).toMatchObject({
      maxAttempts: 10,
      retryMode: 'adaptive',
    });
    const fromEnv = awsClientConfig(
      'athena',
      { region: 'eu-west-1' },
      { AWS_MAX_ATTEMPTS: '9', AWS_RETRY_MODE: 'standard' },
    );
    expect(fromEnv.maxAttempts).toBeUndefined();
    expect(fromEnv.retryMode).toBeUndefined();
  });
});
