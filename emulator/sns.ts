import { randomUUID } from 'node:crypto';
import { checkPermission, deniedMessage } from './iam/check-permission.js';
import { trusts, type Principal } from './identity.js';
import { ApiError, QUERY_NAMESPACES, toXml, type ApiResult } from './protocol.js';
import type { EmulatorRecord } from './record.js';
import type { Scenario } from './scenario.js';

/**
 * SNS (awsQuery, as `@aws-sdk/client-sns` v3 sends it): Publish to a topic declared in the scenario.
 * A topic takes messages from principals of its own account, or those its `allow` list names (the
 * topic policy, matched as role trust is); any other caller gets AWS's AuthorizationError.
 */
const SNS_NS = QUERY_NAMESPACES.sns!;

/** The whole Publish request may carry at most 256 KiB of message (and attributes). */
export const SNS_MAX_MESSAGE_BYTES = 262_144;
const TOPIC_ARN = /^arn:aws[\w-]*:sns:([a-z0-9-]+):(\d{12}):([\w-]{1,256})$/;
// Subject: ASCII text, no line breaks or control characters, starting with a letter, digit or punctuation.
const SUBJECT = /^[!-~][ -~]{0,99}$/;

const invalid = (what: string): ApiError =>
  new ApiError('InvalidParameter', `Invalid parameter: ${what}`, 400);

function wrap(action: string, result: Record<string, unknown>, requestId: string): string {
  return (
    `<${action}Response xmlns="${SNS_NS}"><${action}Result>${toXml(result)}</${action}Result>` +
    `<ResponseMetadata><RequestId>${requestId}</RequestId></ResponseMetadata></${action}Response>`
  );
}

function checkMessage(params: Record<string, string>): void {
  const message = params.Message;
  if (message === undefined) {
    throw new ApiError(
      'ValidationError',
      "1 validation error detected: Value null at 'message' failed to satisfy constraint: Member must not be null",
      400,
    );
  }
  if (message === '') throw invalid('Empty message');
  if (Buffer.byteLength(message) > SNS_MAX_MESSAGE_BYTES) throw invalid('Message too long');
  if (params.Subject !== undefined && !SUBJECT.test(params.Subject)) throw invalid('Subject');
}

function publish(
  scenario: Scenario,
  record: EmulatorRecord,
  caller: Principal,
  params: Record<string, string>,
  region: string | undefined,
): Record<string, unknown> {
  const arn = params.TopicArn ?? params.TargetArn;
  if (arn === undefined) throw invalid('TopicArn or TargetArn Reason: no value for required parameter');
  const parts = TOPIC_ARN.exec(arn);
  // A topic lives in one region: the request must be signed for (and sent to) that region.
  if (!parts || (region !== undefined && parts[1] !== region)) throw invalid('TopicArn');
  const topic = scenario.topics.find((t) => t.arn === arn);
  if (!topic) throw new ApiError('NotFound', 'Topic does not exist', 404);
  const sameAccount = caller.accountId === parts[2];
  const allowed = sameAccount ? true : trusts(topic.allow, caller);
  if (!allowed || topic.deny.includes(caller.arn)) {
    throw new ApiError(
      'AuthorizationError',
      `User: ${caller.arn} is not authorized to perform: SNS:Publish on resource: ${arn} because no resource-based policy allows the SNS:Publish action`,
      403,
    );
  }
  // The topic policy (the default one: the owner account's principals) allows same-account callers on
  // its own; an explicit deny in the caller's policies still wins, and another account needs both.
  const wanted = { action: 'sns:Publish', resource: arn };
  const decision = checkPermission(caller, wanted);
  if (decision.explicitDeny || (!decision.allowed && !sameAccount)) {
    throw new ApiError('AuthorizationError', deniedMessage(caller, wanted, decision), 403);
  }
  checkMessage(params);
  const messageId = randomUUID();
  record.messages.push({
    at: Date.now(),
    topicArn: arn,
    callerArn: caller.arn,
    messageId,
    message: params.Message!,
    ...(params.Subject === undefined ? {} : { subject: params.Subject }),
  });
  return { MessageId: messageId };
}

export function handleSns(
  scenario: Scenario,
  record: EmulatorRecord,
  caller: Principal,
  action: string,
  params: Record<string, string>,
  ctx: { requestId: string; region?: string },
): ApiResult {
  if (action !== 'Publish') {
    throw new ApiError('InvalidAction', `The action ${action} is not valid for this endpoint.`, 400);
  }
  return { xml: wrap(action, publish(scenario, record, caller, params, ctx.region), ctx.requestId) };
}
