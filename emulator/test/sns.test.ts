import { PublishCommand, SNSClient } from '@aws-sdk/client-sns';
import type { AwsCredentialIdentity, AwsCredentialIdentityProvider } from '@smithy/types';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startEmulator, type RunningEmulator } from '../index.js';
import { BASE, readerCredentials, smallScenario } from './fixture.js';

const TOPIC = 'arn:aws:sns:eu-west-1:111111111111:fanout-alerts';
const SHARED = 'arn:aws:sns:eu-west-1:222222222222:shared-alerts';

let emu: RunningEmulator;
beforeAll(async () => {
  emu = await startEmulator({
    scenario: {
      ...smallScenario(),
      topics: [{ arn: TOPIC }, { arn: SHARED, allow: ['arn:aws:iam::111111111111:user/ci'] }],
    },
  });
});
afterAll(async () => {
  await emu.close();
});

const sns = (
  region = 'eu-west-1',
  credentials: AwsCredentialIdentity | AwsCredentialIdentityProvider = BASE,
): SNSClient => new SNSClient({ endpoint: emu.endpoint, region, credentials, maxAttempts: 1 });

async function errorOf(p: Promise<unknown>): Promise<{ name: string; message: string }> {
  try {
    await p;
  } catch (err) {
    return err as Error;
  }
  throw new Error('expected a failure');
}

describe('SNS Publish', () => {
  it('accepts a message from the topic account and records it', async () => {
    const out = await sns().send(
      new PublishCommand({ TopicArn: TOPIC, Message: '{"a":1}', Subject: 'run ok' }),
    );
    expect(out.MessageId).toMatch(/^[0-9a-f-]{36}$/);
    expect(emu.record.messages.at(-1)).toMatchObject({
      topicArn: TOPIC,
      callerArn: 'arn:aws:iam::111111111111:user/ci',
      message: '{"a":1}',
      subject: 'run ok',
      messageId: out.MessageId,
    });
  });

  it('lets the topic policy allow another account', async () => {
    await sns().send(new PublishCommand({ TopicArn: SHARED, Message: 'x' }));
    expect(emu.record.messages.at(-1)?.topicArn).toBe(SHARED);
  });

  it('refuses a caller of another account not allowed by the topic', async () => {
    const reader = readerCredentials(emu.endpoint, '333333333333');
    const err = await errorOf(
      sns('eu-west-1', reader).send(new PublishCommand({ TopicArn: SHARED, Message: 'x' })),
    );
    expect(err.name).toBe('AuthorizationErrorException');
    expect(err.message).toMatch(
      /is not authorized to perform: SNS:Publish on resource: arn:aws:sns:eu-west-1:222222222222:shared-alerts/,
    );
  });

  it('answers NotFound for an unknown topic and InvalidParameter for another region or a bad message', async () => {
    const missing = 'arn:aws:sns:eu-west-1:111111111111:nope';
    expect((await errorOf(sns().send(new PublishCommand({ TopicArn: missing, Message: 'x' })))).name).toBe(
      'NotFoundException',
    );
    const wrongRegion = await errorOf(
      sns('us-east-1').send(new PublishCommand({ TopicArn: TOPIC, Message: 'x' })),
    );
    expect(wrongRegion).toMatchObject({
      name: 'InvalidParameterException',
      message: 'Invalid parameter: TopicArn',
    });
    const big = await errorOf(
      sns().send(new PublishCommand({ TopicArn: TOPIC, Message: 'x'.repeat(262_145) })),
    );
    expect(big.message).toBe('Invalid parameter: Message too long');
    const subject = await errorOf(
      sns().send(new PublishCommand({ TopicArn: TOPIC, Message: 'x', Subject: 'a\nb' })),
    );
    expect(subject.message).toBe('Invalid parameter: Subject');
  });
});
