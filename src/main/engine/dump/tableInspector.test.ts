import { describe, expect, it } from 'vitest'
import { keyColumnType } from '../vocabulary/rowIdentity'
import { chooseKey } from './tableInspector'
import type { ColumnInfo } from '../vocabulary/columnCatalog'

const column = (name: string, dataType: string, extra: Partial<ColumnInfo> = {}): ColumnInfo => ({
  name,
  dataType,
  columnType: dataType,
  nullable: false,
  generated: 'no',
  charset: null,
  collation: null,
  ...extra,
})

describe('chunking key choice', () => {
  const columns = [
    column('id', 'bigint', { columnType: 'bigint(20) unsigned' }),
    column('email', 'varchar', { charset: 'utf8mb4' }),
    column('nick', 'varchar', { charset: 'utf8mb4', nullable: true }),
    column('a', 'int'),
    column('b', 'int'),
    column('doc', 'json'),
  ]
  type Part = { column: string | null; subPart: unknown }
  const parts = (...names: string[]): Part[] => names.map((n) => ({ column: n, subPart: null }))

  it('prefers the primary key', () => {
    const key = chooseKey(
      columns,
      new Map([
        ['uq', parts('email')],
        ['PRIMARY', parts('id')],
      ]),
    )
    expect(key).toEqual({ kind: 'primary', columns: [{ name: 'id', type: 'uint' }] })
  })

  it('falls back to the narrowest NOT NULL unique key, skipping nullable and prefix keys', () => {
    const uniques = new Map<string, Part[]>([
      ['nullable', parts('nick')],
      ['prefix', [{ column: 'email', subPart: 10 }]],
      ['wide', parts('a', 'b')],
      ['narrow', parts('email')],
    ])
    expect(chooseKey(columns, uniques)).toEqual({ kind: 'unique', columns: [{ name: 'email', type: 'string' }] })
  })

  it('has no key when no unique index identifies rows', () => {
    expect(
      chooseKey(
        columns,
        new Map([
          ['nullable', parts('nick')],
          ['json', parts('doc')],
        ]),
      ),
    ).toBeNull()
    expect(chooseKey(columns, new Map())).toBeNull()
  })

  it('classifies key column types for binding', () => {
    expect(keyColumnType(column('x', 'int', { columnType: 'int(10) unsigned' }))).toBe('uint')
    expect(keyColumnType(column('x', 'decimal'))).toBe('decimal')
    expect(keyColumnType(column('x', 'char', { charset: 'binary' }))).toBe('binary')
    expect(keyColumnType(column('x', 'varbinary'))).toBe('binary')
    expect(keyColumnType(column('x', 'datetime'))).toBe('datetime')
    expect(keyColumnType(column('x', 'json'))).toBe('other')
  })
})
