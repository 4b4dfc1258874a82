import { describe, expect, it } from 'vitest';
import { tableReferences } from '../../src/config/sql-tables.js';

const names = (sql: string, defaults?: { catalog?: string; database?: string }) =>
  tableReferences(sql, defaults).map((t) => `${t.catalog}.${t.database}.${t.table}`);

describe('tableReferences', () => {
  it('resolves unqualified, two- and three-part names against the query defaults', () => {
    expect(
      names('SELECT * FROM a JOIN db2.b ON a.x = b.x LEFT JOIN cat.db3.c USING (x)', { database: 'inv' }),
    ).toEqual(['awsdatacatalog.inv.a', 'awsdatacatalog.db2.b', 'cat.db3.c']);
    expect(names('select 1 from t')).toEqual(['awsdatacatalog.default.t']);
  });

  it('follows comma lists with aliases and column lists, lowercasing names', () => {
    expect(
      names('SELECT * FROM Inventory.Items AS i (a, b), "Inventory"."Other" o, third WHERE 1=1'),
    ).toEqual([
      'awsdatacatalog.inventory.items',
      'awsdatacatalog.inventory.other',
      'awsdatacatalog.default.third',
    ]);
  });

  it('skips CTE names, subqueries, UNNEST and value FROMs but finds tables inside them', () => {
    const sql = `WITH recent (id) AS (SELECT id FROM db.events WHERE extract(year FROM ts) = 2026),
      other AS (SELECT * FROM db.more)
      SELECT trim(both FROM name), substring(s FROM 2) FROM recent
      CROSS JOIN UNNEST(tags) AS t (tag)
      JOIN (SELECT * FROM db.sub) s ON true
      WHERE a IS DISTINCT FROM b AND id IN (SELECT id FROM db.ids)`;
    expect(names(sql)).toEqual([
      'awsdatacatalog.db.events',
      'awsdatacatalog.db.more',
      'awsdatacatalog.db.sub',
      'awsdatacatalog.db.ids',
    ]);
  });

  it('ignores FROM in literals and comments, and finds the SELECT inside UNLOAD', () => {
    const sql = `-- FROM commented.out
      UNLOAD (SELECT 'FROM fake.table' AS s /* FROM nope */ FROM real.t) TO 's3://b/p/' WITH (format = 'PARQUET')`;
    expect(names(sql)).toEqual(['awsdatacatalog.real.t']);
  });

  it('keeps quoted names whole and reports each table once', () => {
    expect(names('SELECT * FROM "my db"."tab""le" JOIN "my db"."tab""le" x ON true')).toEqual([
      'awsdatacatalog.my db.tab"le',
    ]);
  });
});
