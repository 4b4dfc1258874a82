import type { LakeFormationTable } from './catalog-facts.js';

/**
 * What the operator must grant in Lake Formation for governed tables: IAM lets the role ask for data
 * access, Lake Formation decides on which tables. Not IAM, so printed as instructions (one command per
 * table, run in each account with its data lake administrator), not as policy statements.
 */
export function lakeFormationGrants(roleArn: string, tables: LakeFormationTable[]): string[] {
  const seen = new Set<string>();
  const lines: string[] = [];
  for (const t of tables) {
    const key = `${t.region}/${t.database}/${t.table}`;
    if (seen.has(key)) continue;
    seen.add(key);
    const resource = JSON.stringify({ Table: { DatabaseName: t.database, Name: t.table } });
    lines.push(
      `grant ${roleArn} SELECT and DESCRIBE on table ${t.database}.${t.table} (${t.region}): ` +
        `aws lakeformation grant-permissions --region ${t.region} --principal DataLakePrincipalIdentifier=${roleArn} ` +
        `--permissions SELECT DESCRIBE --resource '${resource}'`,
    );
  }
  return lines;
}
