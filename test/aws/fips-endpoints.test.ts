import { AthenaClient, ListWorkGroupsCommand } from '@aws-sdk/client-athena';
import { DescribeOrganizationCommand, OrganizationsClient } from '@aws-sdk/client-organizations';
import { GetCallerIdentityCommand, STSClient } from '@aws-sdk/client-sts';
import { afterEach, describe, expect, it } from 'vitest';
import { awsClientConfig } from '../../src/aws/index.js';

// FIPS is the SDK's own setting (AWS_USE_FIPS_ENDPOINT, use_fips_endpoint): the tool's client options
// must leave it in force, and pick each partition's endpoints through the SDK too.

const saved = process.env.AWS_USE_FIPS_ENDPOINT;
afterEach(() => {
  if (saved === undefined) delete process.env.AWS_USE_FIPS_ENDPOINT;
  else process.env.AWS_USE_FIPS_ENDPOINT = saved;
});

const credentials = { accessKeyId: 'AKIAFIPSTEST00000001', secretAccessKey: 'not-used' };

/** The host a real call of `client` would go to: the request is stopped once built, never sent. */
async function endpointOf(client: AthenaClient | STSClient | OrganizationsClient): Promise<string> {
  // The three clients' stacks differ only in their types.
  const stack = client.middlewareStack as unknown as {
    add(mw: (next: unknown) => (args: unknown) => never, opts: { step: 'build' }): void;
  };
  stack.add(
    () => (args: unknown) => {
      const { hostname } = (args as { request: { hostname: string } }).request;
      throw new Error(`host:${hostname}`);
    },
    { step: 'build' },
  );
  const command =
    client instanceof AthenaClient
      ? new ListWorkGroupsCommand({})
      : client instanceof STSClient
        ? new GetCallerIdentityCommand({})
        : new DescribeOrganizationCommand({});
  const err = await (client.send as (c: unknown) => Promise<unknown>)(command).then(
    () => new Error('sent'),
    (e: unknown) => e as Error,
  );
  return err.message.replace(/^host:/, '');
}

describe('endpoints come from the SDK', () => {
  it('AWS_USE_FIPS_ENDPOINT=true gives every client its FIPS endpoint', async () => {
    process.env.AWS_USE_FIPS_ENDPOINT = 'true';
    const env = { AWS_USE_FIPS_ENDPOINT: 'true' };
    const opts = { region: 'us-east-1' };
    expect(await endpointOf(new AthenaClient({ ...awsClientConfig('athena', opts, env), credentials }))).toBe(
      'athena-fips.us-east-1.amazonaws.com',
    );
    expect(
      await endpointOf(
        new OrganizationsClient({ ...awsClientConfig('organizations', opts, env), credentials }),
      ),
    ).toBe('organizations-fips.us-east-1.amazonaws.com');
    expect(
      await endpointOf(
        new STSClient({ ...awsClientConfig('sts', { region: 'us-gov-west-1' }, env), credentials }),
      ),
    ).toBe('sts.us-gov-west-1.amazonaws.com');
  });

  it('aws-cn: regional STS and Athena endpoints in .amazonaws.com.cn, Organizations in cn-northwest-1', async () => {
    delete process.env.AWS_USE_FIPS_ENDPOINT;
    const opts = { region: 'cn-north-1' };
    expect(await endpointOf(new STSClient({ ...awsClientConfig('sts', opts, {}), credentials }))).toBe(
      'sts.cn-north-1.amazonaws.com.cn',
    );
    expect(await endpointOf(new AthenaClient({ ...awsClientConfig('athena', opts, {}), credentials }))).toBe(
      'athena.cn-north-1.amazonaws.com.cn',
    );
    expect(
      await endpointOf(
        new OrganizationsClient({ ...awsClientConfig('organizations', opts, {}), credentials }),
      ),
    ).toBe('organizations.cn-northwest-1.amazonaws.com.cn');
  });
});
