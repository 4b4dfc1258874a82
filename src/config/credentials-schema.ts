import * as z from 'zod';
import { ROLE_ARN, SESSION_NAME } from './role-hop.js';
import { durationSeconds, localPath, strict, text } from './schema-parts.js';

const SAML_PROVIDER_ARN = /^arn:(aws|aws-cn|aws-us-gov):iam::\d{12}:saml-provider\/[\w+=,.@-]{1,128}$/;
/** A virtual device ARN (arn:aws:iam::ACCOUNT:mfa/NAME) or a hardware device's serial. */
const MFA_SERIAL = /^[\w+=/:,.@-]{9,256}$/;

const roleArn = text((arn) =>
  ROLE_ARN.test(arn) ? undefined : 'expected a role ARN like arn:aws:iam::111111111111:role/CiRole',
);
const tokenFile = localPath('the token is read from a local file');
const assertionFile = localPath('the assertion is read from a local file');
const secret = z.string().min(1, { error: 'must not be empty' });

const webIdentitySchema = strict({
  roleArn,
  tokenFile,
  sessionName: z
    .string()
    .regex(SESSION_NAME, { error: 'expected 2 to 64 characters of letters, digits and _+=,.@-' })
    .optional(),
  durationSeconds: durationSeconds.optional(),
});

const samlSchema = strict({
  roleArn,
  principalArn: z.string().regex(SAML_PROVIDER_ARN, {
    error: 'expected the identity provider ARN, like arn:aws:iam::111111111111:saml-provider/Okta',
  }),
  assertionFile: assertionFile.optional(),
  assertionCommand: z.string().min(1, { error: 'expected a shell command' }).optional(),
  durationSeconds: durationSeconds.optional(),
}).superRefine((saml, ctx) => {
  const given = [saml.assertionFile, saml.assertionCommand].filter((v) => v !== undefined).length;
  if (given !== 1) {
    ctx.addIssue({
      code: 'custom',
      path: [],
      message:
        given === 0
          ? 'needs assertionFile (a file holding the base64 SAML assertion) or assertionCommand (a command printing it)'
          : 'set assertionFile or assertionCommand, not both',
    });
  }
});

export const mfaSchema = strict({
  serialNumber: z.string().regex(MFA_SERIAL, {
    error: 'expected the MFA device ARN, like arn:aws:iam::111111111111:mfa/alice',
  }),
  tokenCode: z
    .string()
    .regex(/^\d{6}$/, { error: 'expected the 6-digit code shown by the device' })
    .optional(),
});

const WAYS = ['profile', 'accessKeyId', 'webIdentity', 'saml'] as const;

/**
 * `auth.credentials`: absent = the SDK default chain; otherwise exactly one way in. Whether static keys
 * came from `${ENV}` is checked where the raw text is known (see literal-secrets.ts).
 */
export const credentialsSchema = strict({
  profile: z.string().min(1, { error: 'expected a profile name from ~/.aws/config' }).optional(),
  accessKeyId: secret.optional(),
  secretAccessKey: secret.optional(),
  sessionToken: secret.optional(),
  webIdentity: webIdentitySchema.optional(),
  saml: samlSchema.optional(),
  mfa: mfaSchema.optional(),
}).superRefine((c, ctx) => {
  const ways = WAYS.filter((w) => c[w] !== undefined);
  if (ways.length > 1) {
    ctx.addIssue({
      code: 'custom',
      path: [ways[1]!],
      message: `choose one way in: ${ways.join(' and ')} are both set`,
    });
  }
  if ((c.accessKeyId === undefined) !== (c.secretAccessKey === undefined)) {
    ctx.addIssue({
      code: 'custom',
      path: [c.accessKeyId === undefined ? 'accessKeyId' : 'secretAccessKey'],
      message: 'static keys need both accessKeyId and secretAccessKey',
    });
  }
  if (c.sessionToken !== undefined && c.accessKeyId === undefined) {
    ctx.addIssue({
      code: 'custom',
      path: ['sessionToken'],
      message: 'only used with accessKeyId and secretAccessKey',
    });
  }
  if (c.mfa !== undefined && (c.webIdentity !== undefined || c.saml !== undefined)) {
    ctx.addIssue({
      code: 'custom',
      path: ['mfa'],
      message:
        'MFA applies to AssumeRole from user credentials; web identity and SAML sessions are already federated',
    });
  }
});

export type CredentialsParsed = z.output<typeof credentialsSchema>;
