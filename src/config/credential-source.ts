/**
 * Where the base credentials come from (config `auth.credentials`). Every role chain starts from them.
 * Secrets only ever arrive here from the environment: the config refuses literal keys.
 */
export type CredentialSource =
  | { kind: 'default' }
  | { kind: 'profile'; profile: string }
  | { kind: 'static'; accessKeyId: string; secretAccessKey: string; sessionToken?: string }
  | {
      kind: 'webIdentity';
      roleArn: string;
      /** Read again at every refresh: EKS and CI runners rotate it. */
      tokenFile: string;
      sessionName: string;
      durationSeconds: number;
    }
  | {
      kind: 'saml';
      roleArn: string;
      principalArn: string;
      /** Exactly one of the two: a file holding the base64 assertion, or a command printing it. */
      assertionFile?: string;
      assertionCommand?: string;
      durationSeconds: number;
    };

/** MFA for the hops assumed straight from the base credentials. */
export interface MfaSource {
  serialNumber: string;
  /** Asked for at each such AssumeRole; the caller decides whether to prompt or reuse a code. */
  tokenCode: () => Promise<string>;
}

/** Base credentials that are themselves a role session: any AssumeRole made with them is chained. */
export function sourceIsRoleSession(source: CredentialSource): boolean {
  return source.kind === 'webIdentity' || source.kind === 'saml';
}
