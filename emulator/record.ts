import type { Service } from './protocol.js';

export interface RecordedCall {
  at: number;
  service: Service | 'unknown';
  action: string;
  callerArn?: string;
  accountId?: string;
  accessKeyId?: string;
  /** The region of the request's SigV4 credential scope. */
  region?: string;
  status: number;
  errorCode?: string;
  params: Record<string, unknown>;
  /** When the answer was sent (after any actionLatencyMs). */
  answeredAt?: number;
}

export interface RecordedAssumeRole {
  at: number;
  /** AssumeRole, AssumeRoleWithWebIdentity or AssumeRoleWithSAML. */
  action: string;
  /** For the federated actions, the identity provider (OIDC: the token's issuer; SAML: PrincipalArn). */
  callerArn: string;
  roleArn: string;
  externalId?: string;
  sessionName: string;
  durationSeconds: number;
  ok: boolean;
  errorCode?: string;
  /** Session tags sent (Tags.member.N). */
  tags?: Record<string, string>;
  sourceIdentity?: string;
  /** MFA SerialNumber sent (the TokenCode is checked, never recorded). */
  serialNumber?: string;
  /** Epoch millis when the issued credentials expire. */
  expiresAt?: number;
}

export interface RecordedQuery {
  id: string;
  accountId: string;
  callerArn: string;
  sql: string;
  database?: string;
  workgroup: string;
  outputLocation?: string;
  state: string;
  startedAt: number;
  endedAt?: number;
}

/** A message SNS accepted (Publish). */
export interface RecordedMessage {
  at: number;
  topicArn: string;
  callerArn: string;
  messageId: string;
  message: string;
  subject?: string;
}

/** Everything the emulator saw, live: tests assert on it. */
export interface EmulatorRecord {
  calls: RecordedCall[];
  assumeRoles: RecordedAssumeRole[];
  queries: RecordedQuery[];
  /** Messages published to SNS topics, in order. */
  messages: RecordedMessage[];
  maxActiveQueries: number;
  maxActiveQueriesByAccount: Record<string, number>;
  /** QUEUED + RUNNING right now. */
  activeQueries(): number;
}

export function newRecord(): EmulatorRecord {
  const record: EmulatorRecord = {
    calls: [],
    assumeRoles: [],
    queries: [],
    messages: [],
    maxActiveQueries: 0,
    maxActiveQueriesByAccount: {},
    activeQueries: () => record.queries.filter((q) => q.state === 'QUEUED' || q.state === 'RUNNING').length,
  };
  return record;
}
