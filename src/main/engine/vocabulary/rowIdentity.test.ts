import { describe, expect, it } from 'vitest'
import { hasRowIdentity as precheckHasRowIdentity } from '../precheck/checks/tableSchema'
import type { ColumnFacts, IndexFacts, TableFacts } from '../precheck/precheckFacts'
import { chooseKey } from '../dump/tableInspector'
import type { ColumnInfo } from './columnCatalog'
import { identifiesRows, type UniqueKey } from '../replicate/schemaTracker'
import { hasRowIdentity, rowIdentityKeys, type IdentityColumn, type UniqueIndex } from './rowIdentity'

const columns: IdentityColumn[] = [
  { name: 'id', dataType: 'bigint', nullable: false },
  { name: 'name', dataType: 'varchar', nullable: false },
  { name: 'nick', dataType: 'varchar', nullable: true },
  { name: 'score', dataType: 'double', nullable: false },
  { name: 'g', dataType: 'int', nullable: false },
  { name: 'g_null', dataType: 'int', nullable: true },
  { name: 'a', dataType: 'int', nullable: false },
  { name: 'b', dataType: 'datetime', nullable: false },
]
const whole = (name: string, ...cols: string[]): UniqueIndex => ({
  name,
  parts: cols.map((column) => ({ column, subPart: null })),
})

describe('the row-identity rule', () => {
  it('a primary key or a unique key over whole NOT NULL columns identifies a row', () => {
    expect(hasRowIdentity([whole('PRIMARY', 'id')], columns)).toBe(true)
    expect(hasRowIdentity([whole('uq', 'name')], columns)).toBe(true)
    expect(hasRowIdentity([whole('ab', 'a', 'b')], columns)).toBe(true)
    // A NOT NULL generated column holds one value per row as every other column does.
    expect(hasRowIdentity([whole('by_g', 'g')], columns)).toBe(true)
  })

  it('a prefix part does not identify a row, NOT NULL or not, primary or not', () => {
    expect(hasRowIdentity([{ name: 'uq', parts: [{ column: 'name', subPart: 10 }] }], columns)).toBe(false)
    expect(hasRowIdentity([{ name: 'PRIMARY', parts: [{ column: 'name', subPart: 10 }] }], columns)).toBe(false)
    expect(
      hasRowIdentity(
        [
          {
            name: 'uq',
            parts: [
              { column: 'a', subPart: null },
              { column: 'name', subPart: 4 },
            ],
          },
        ],
        columns,
      ),
    ).toBe(false)
  })

  it('a nullable part, an expression (functional) part or an unknown column does not', () => {
    expect(hasRowIdentity([whole('uq', 'nick')], columns)).toBe(false)
    expect(hasRowIdentity([whole('uq', 'a', 'nick')], columns)).toBe(false)
    expect(hasRowIdentity([whole('by_g_null', 'g_null')], columns)).toBe(false)
    // MySQL 8 functional key part: information_schema.STATISTICS has COLUMN_NAME NULL (precheck facts: '').
    expect(hasRowIdentity([{ name: 'fn', parts: [{ column: null, subPart: null }] }], columns)).toBe(false)
    expect(hasRowIdentity([{ name: 'fn', parts: [{ column: '', subPart: null }] }], columns)).toBe(false)
    expect(hasRowIdentity([whole('gone', 'missing')], columns)).toBe(false)
    expect(hasRowIdentity([], columns)).toBe(false)
  })

  it('a column compared approximately (FLOAT, DOUBLE) cannot find its row by value', () => {
    expect(hasRowIdentity([whole('PRIMARY', 'score')], columns)).toBe(false)
    expect(hasRowIdentity([whole('uq', 'id', 'score')], columns)).toBe(false)
  })

  it('column names compare case-insensitively, as the servers do', () => {
    expect(hasRowIdentity([whole('uq', 'NAME')], columns)).toBe(true)
  })

  it('lists the identity keys primary first, then fewest columns', () => {
    const keys = rowIdentityKeys([whole('ab', 'a', 'b'), whole('uq', 'name'), whole('PRIMARY', 'id')], columns)
    expect(keys.map((k) => k.name)).toEqual(['PRIMARY', 'uq', 'ab'])
  })
})

describe('every user of the rule agrees with it', () => {
  const cases: { what: string; indexes: UniqueIndex[] }[] = [
    { what: 'primary key', indexes: [whole('PRIMARY', 'id')] },
    { what: 'NOT NULL unique', indexes: [whole('uq', 'name')] },
    { what: 'NOT NULL unique prefix', indexes: [{ name: 'uq', parts: [{ column: 'name', subPart: 10 }] }] },
    { what: 'nullable unique', indexes: [whole('uq', 'nick')] },
    { what: 'unique over a NOT NULL generated column', indexes: [whole('uq', 'g')] },
    { what: 'unique over a nullable generated column', indexes: [whole('uq', 'g_null')] },
    { what: 'functional unique', indexes: [{ name: 'fn', parts: [{ column: null, subPart: null }] }] },
    { what: 'double primary key', indexes: [whole('PRIMARY', 'score')] },
  ]
  const info = (c: IdentityColumn): ColumnInfo => ({
    name: c.name,
    dataType: c.dataType,
    columnType: c.dataType,
    nullable: c.nullable,
    generated: c.name.startsWith('g') ? 'stored' : 'no',
    charset: c.dataType === 'varchar' ? 'utf8mb4' : null,
    collation: null,
  })
  const facts = (indexes: UniqueIndex[]): TableFacts => ({
    schema: 's',
    name: 't',
    kind: 'table',
    engine: 'InnoDB',
    collation: null,
    charset: null,
    avgRowLength: 0,
    rows: 0,
    columns: columns.map((c): ColumnFacts => ({
      name: c.name,
      dataType: c.dataType,
      columnType: c.dataType,
      nullable: c.nullable,
      charset: null,
      collation: null,
      maxChars: null,
      maxBytes: null,
      extra: c.name.startsWith('g') ? 'STORED GENERATED' : '',
    })),
    indexes: indexes.map((i): IndexFacts => ({
      name: i.name,
      unique: true,
      type: 'BTREE',
      parts: i.parts.map((p) => ({ column: p.column ?? '', subPart: p.subPart as number | null, descending: false })),
    })),
    foreignKeys: [],
  })
  for (const c of cases) {
    it(`${c.what}: the precheck and the copy's key choice say what the rule says`, () => {
      const expected = hasRowIdentity(c.indexes, columns)
      expect(precheckHasRowIdentity(facts(c.indexes))).toBe(expected)
      const uniques = new Map(c.indexes.map((i) => [i.name, [...i.parts]]))
      expect(chooseKey(columns.map(info), uniques) !== null).toBe(expected)
    })
  }
})

describe('replication asks the same rule of its schema history', () => {
  const tracked = (uniqueKeys: UniqueKey[]) => ({
    uniqueKeys,
    columns: columns.map((c): ColumnInfo => ({
      name: c.name,
      dataType: c.dataType,
      columnType: c.dataType,
      nullable: c.nullable,
      generated: 'no',
      charset: null,
      collation: null,
    })),
  })
  it('a nullable or FLOAT unique key leaves a table without a row identity; a NOT NULL one gives it one', () => {
    expect(identifiesRows(tracked([{ name: 'PRIMARY', columns: ['id'], primary: true }]))).toBe(true)
    expect(identifiesRows(tracked([{ name: 'uq', columns: ['name'], primary: false }]))).toBe(true)
    expect(identifiesRows(tracked([{ name: 'uq', columns: ['nick'], primary: false }]))).toBe(false)
    expect(identifiesRows(tracked([{ name: 'PRIMARY', columns: ['score'], primary: true }]))).toBe(false)
    expect(identifiesRows(tracked([]))).toBe(false)
  })
})
