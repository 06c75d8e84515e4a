import { describe, expect, it } from 'vitest'
import { col as column } from '../load/testColumns'
import type { UniqueKey } from '../replicate/schemaTracker'
import { rowCondition } from './continuousValidator'

const columns = [
  column('id', 'int', { nullable: false }),
  column('code', 'varbinary'),
  column('name', 'varchar', { charset: 'latin1', collation: 'latin1_swedish_ci' }),
  column('n', 'bigint', { columnType: 'bigint unsigned' }),
]
const primary: UniqueKey = { name: 'PRIMARY', columns: ['id'], primary: true }
const byCode: UniqueKey = { name: 'code', columns: ['code', 'name'], primary: false }

describe('rowCondition', () => {
  it('selects the row by its primary key, quoting names and writing values as the applier does', () => {
    expect(rowCondition([primary, byCode], columns, [7, Buffer.from([0, 0xff]), 'x', 1n])).toBe('`id` = 7')
  })

  it('falls back to the first unique key whose columns all have a value, and binary values stay bytes', () => {
    const keys = [byCode]
    expect(rowCondition(keys, columns, [null, Buffer.from([0x5c, 0x27]), Buffer.from('Él', 'latin1'), null])).toBe(
      "`code` = X'5c27' AND `name` = X'c96c'",
    )
    expect(rowCondition(keys, columns, [1, null, 'a', null])).toBeNull()
  })

  it('has no condition for a table without a unique key, or a key column the image lacks', () => {
    expect(rowCondition([], columns, [1, null, null, null])).toBeNull()
    expect(
      rowCondition([{ name: 'gone', columns: ['dropped'], primary: false }], columns, [1, null, null, null]),
    ).toBeNull()
  })
})
