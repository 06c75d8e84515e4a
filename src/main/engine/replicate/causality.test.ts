import { describe, expect, it } from 'vitest'
import type { ColumnInfo } from '../vocabulary/columnCatalog'
import { createCausality, keyText, rowKeys } from './causality'

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
const ref = { schema: 'db', name: 't' }
const columns = [
  column('id', 'int'),
  column('email', 'varchar', { charset: 'utf8mb4', collation: 'utf8mb4_general_ci' }),
  column('note', 'text'),
]
const keys = [
  { name: 'PRIMARY', columns: ['id'], primary: true },
  { name: 'email', columns: ['email'], primary: false },
]

describe('causality', () => {
  it('lets unrelated keys run anywhere and sends a held key to its worker', () => {
    const c = createCausality()
    expect(c.route(['a'])).toEqual({ kind: 'free' })
    c.acquire(['a', 'b'], 2)
    expect(c.route(['b', 'z'])).toEqual({ kind: 'worker', worker: 2 })
    expect(c.route(['z'])).toEqual({ kind: 'free' })
  })

  it('reports a conflict when the keys of one change are in flight on two workers', () => {
    const c = createCausality()
    c.acquire(['old'], 0)
    c.acquire(['new'], 1)
    // An UPDATE that moves a row from key "old" to key "new" must wait for both.
    expect(c.route(['old', 'new'])).toEqual({ kind: 'conflict', workers: [0, 1] })
    c.release(['old'])
    expect(c.route(['old', 'new'])).toEqual({ kind: 'worker', worker: 1 })
  })

  it('counts holders, releasing a key only when the last change holding it committed', () => {
    const c = createCausality()
    c.acquire(['k'], 3)
    c.acquire(['k'], 3)
    c.release(['k'])
    expect(c.route(['k'])).toEqual({ kind: 'worker', worker: 3 })
    c.release(['k'])
    expect(c.route(['k'])).toEqual({ kind: 'free' })
    expect(c.size).toBe(0)
  })

  it('refuses to hold one key on two workers (the dispatcher must wait instead)', () => {
    const c = createCausality()
    c.acquire(['k'], 0)
    expect(() => c.acquire(['k'], 1)).toThrow(/held by worker 0/)
  })
})

describe('row keys', () => {
  it('names every unique key of the row, so an UPDATE conflicts through its old and new values', () => {
    const before = rowKeys(ref, columns, keys, [1, Buffer.from('A@x.io'), Buffer.from('n')])
    const after = rowKeys(ref, columns, keys, [1, Buffer.from('b@x.io'), Buffer.from('n')])
    expect(before).toHaveLength(2)
    expect(before[0]).toBe(after[0])
    expect(before[1]).not.toBe(after[1])
  })

  it('folds case, accents and trailing spaces of text keys the way a _ci collation compares them', () => {
    const email = columns[1]!
    expect(keyText(Buffer.from('Élan '), email)).toBe(keyText(Buffer.from('elan'), email))
    const bin = column('code', 'varchar', { charset: 'utf8mb4', collation: 'utf8mb4_bin' })
    expect(keyText(Buffer.from('A'), bin)).not.toBe(keyText(Buffer.from('a'), bin))
  })

  it('skips unique keys with a NULL part and falls back to one key per table without usable keys', () => {
    const k = rowKeys(ref, columns, keys, [1, null, null])
    expect(k).toHaveLength(1)
    expect(rowKeys(ref, columns, [], [1, null, null])).toEqual(['db.t\u0001*'])
  })
})
