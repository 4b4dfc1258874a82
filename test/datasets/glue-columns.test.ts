import {
  Bool,
  DateDay,
  Decimal,
  Field,
  Float32,
  Float64,
  Int32,
  Int64,
  List,
  Struct,
  TimestampMicrosecond,
  Uint64,
  Utf8,
} from 'apache-arrow';
import { describe, expect, it } from 'vitest';
import { glueColumns, mergedColumns } from '../../src/datasets/index.js';

describe('Arrow types as Glue (Hive) types', () => {
  it('spells each type as Athena reads it from the Parquet parts', () => {
    const fields = [
      new Field('Id', new Int64()),
      new Field('n', new Int32()),
      new Field('big', new Uint64()),
      new Field('cost', new Decimal(9, 38, 128)),
      new Field('r', new Float64()),
      new Field('f', new Float32()),
      new Field('ok', new Bool()),
      new Field('at', new TimestampMicrosecond()),
      new Field('day', new DateDay()),
      new Field('s', new Utf8()),
      new Field('tags', new List(new Field('item', new Utf8()))),
      new Field('o', new Struct([new Field('A', new Int32())])),
    ];
    expect(glueColumns(fields)).toEqual([
      { Name: 'id', Type: 'bigint' },
      { Name: 'n', Type: 'int' },
      { Name: 'big', Type: 'decimal(20,0)' },
      { Name: 'cost', Type: 'decimal(38,9)' },
      { Name: 'r', Type: 'double' },
      { Name: 'f', Type: 'float' },
      { Name: 'ok', Type: 'boolean' },
      { Name: 'at', Type: 'timestamp' },
      { Name: 'day', Type: 'date' },
      { Name: 's', Type: 'string' },
      { Name: 'tags', Type: 'array<string>' },
      { Name: 'o', Type: 'struct<a:int>' },
    ]);
  });
});

describe("a table's columns across runs", () => {
  const table = [
    { Name: 'id', Type: 'bigint' },
    { Name: 'gone', Type: 'string' },
  ];
  it('adds new columns at the end and keeps the ones this run lacks', () => {
    expect(
      mergedColumns(table, [
        { Name: 'extra', Type: 'int' },
        { Name: 'id', Type: 'bigint' },
      ]),
    ).toEqual({
      columns: [...table, { Name: 'extra', Type: 'int' }],
      added: ['extra'],
    });
  });
  it('refuses a changed type, naming the column and both types', () => {
    expect(() => mergedColumns(table, [{ Name: 'id', Type: 'string' }])).toThrow(
      'incompatible type change of column id (bigint in the table, string in this run)',
    );
  });
});
