import { z } from 'zod';

/**
 * The scenario's Glue Data Catalog, Athena workgroups and Athena data catalogs. Each is keyed like
 * `data:` (`all` or an account id; an account's entry with the same name replaces the `all` one), and
 * every string may say `{accountId}` / `{accountName}`. The format is documented in emulator/README.md.
 */

const S3_PREFIX_HINT = 'must be an s3://bucket/prefix/ URI';
const s3Location = z.string().regex(/^s3:\/\/[^/]+(\/.*)?$/, S3_PREFIX_HINT);

const tableSchema = z
  .object({
    /** The DuckDB table of the same name in the account's database supplies the columns. */
    name: z.string().min(1),
    /** Where the table's data lives; the emulator puts a data object under it. */
    location: s3Location,
    /** Partition columns (their types come from DuckDB when the table has the column, else string). */
    partitionKeys: z.array(z.string().min(1)).default([]),
    /** One entry per partition, values in partitionKeys order; a partition may live anywhere. */
    partitions: z.array(z.object({ values: z.array(z.string()).min(1), location: s3Location })).default([]),
    /** The data is SSE-KMS encrypted with this key: reading it needs kms:Decrypt on it. */
    kmsKeyArn: z
      .string()
      .regex(/^arn:aws[\w-]*:kms:[a-z0-9-]+:(\d{12}|\{accountId\}):key\/.+$/, 'must be a KMS key ARN')
      .optional(),
    /** Registered with Lake Formation: only these principals (role ARNs match their sessions) may SELECT. */
    lakeFormation: z.object({ grants: z.array(z.string()).default([]) }).optional(),
  })
  .refine((t) => t.partitions.every((p) => p.values.length === t.partitionKeys.length), {
    message: 'every partition needs one value per partition key',
    path: ['partitions'],
  });

const databaseSchema = z.object({
  name: z.string().min(1),
  description: z.string().optional(),
  locationUri: s3Location.optional(),
  tables: z.array(tableSchema).default([]),
});

const workgroupSchema = z.object({
  name: z.string().regex(/^[a-zA-Z0-9._-]{1,128}$/, 'must be 1-128 of a-z A-Z 0-9 . _ -'),
  state: z.enum(['ENABLED', 'DISABLED']).default('ENABLED'),
  description: z.string().optional(),
  outputLocation: s3Location.optional(),
  encryption: z
    .object({ option: z.enum(['SSE_S3', 'SSE_KMS', 'CSE_KMS']), kmsKey: z.string().optional() })
    .refine((e) => e.option === 'SSE_S3' || e.kmsKey !== undefined, 'SSE_KMS / CSE_KMS need kmsKey')
    .optional(),
  /** EnforceWorkGroupConfiguration: the workgroup's result settings override the request's. */
  enforce: z.boolean().default(false),
  /** Athena's minimum is 10 MB; any positive value is accepted so that small test data can trip it. */
  bytesScannedCutoffPerQuery: z.number().int().min(1).optional(),
});

const dataCatalogSchema = z.object({
  name: z.string().min(1),
  type: z.enum(['GLUE', 'LAMBDA', 'HIVE']),
  description: z.string().optional(),
  /** LAMBDA: the connector function's ARN (Parameters.function). */
  function: z.string().optional(),
  /** GLUE: the account whose Glue catalog it is (Parameters.catalog-id; default the owner). */
  catalogId: z.string().optional(),
});

const perAccount = <T extends z.ZodType>(item: T) => z.record(z.string(), z.array(item)).default({});

export const catalogFields = {
  catalog: perAccount(databaseSchema),
  workgroups: perAccount(workgroupSchema),
  dataCatalogs: perAccount(dataCatalogSchema),
};

export type CatalogDatabaseInput = z.output<typeof databaseSchema>;
export type CatalogTableInput = z.output<typeof tableSchema>;
export type WorkgroupInput = z.output<typeof workgroupSchema>;
export type DataCatalogInput = z.output<typeof dataCatalogSchema>;

/** The per-account keys (`all` or a known account id) of these fields, for the scenario's checks. */
export const PER_ACCOUNT_FIELDS = ['data', 'catalog', 'workgroups', 'dataCatalogs'] as const;
