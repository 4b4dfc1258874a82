/**
 * What `iam-policy --discover` learned from the accounts (Glue, S3, Athena), generalised over them:
 * `<accountId>` stands where an account's own id was, so one template role covers every account.
 */
export interface CatalogFacts {
  /** Accounts read, and how many were selected (fewer read: a sample). */
  accountsRead: number;
  accountsSelected: number;
  /** s3:// locations of the tables' data (tables, and partitions outside their table's prefix). */
  dataLocations: string[];
  /** Key ARNs of the data buckets' default encryption: kms:Decrypt. */
  dataKmsKeys: string[];
  /** Key ARNs of the results: the workgroups' encryption and the results buckets' defaults. */
  resultsKmsKeys: string[];
  /** The workgroups' own output locations, where they enforce them or the queries name none. */
  resultsLocations: string[];
  /** Tables registered with Lake Formation, by Glue table ARN (`<accountId>` generalised). */
  lakeFormationTables: LakeFormationTable[];
  /** Athena data catalogs other than AwsDataCatalog, as GetDataCatalog describes them. */
  catalogs: DiscoveredCatalog[];
  /** What discovery could only partly follow (views, very many partitions). */
  notes: string[];
  /** Calls refused or failed, in AWS's words: the policies may lack what they would have found. */
  failures: string[];
}

export interface LakeFormationTable {
  region: string;
  database: string;
  table: string;
}

export interface DiscoveredCatalog {
  /** Lowercased. */
  name: string;
  region: string;
  type: string;
  /** Lambda function ARNs (LAMBDA catalogs), `<accountId>` generalised. */
  functions: string[];
  /** The account of a GLUE catalog's Data Catalog (its `catalog-id`), when another account's. */
  glueCatalogId?: string;
}
