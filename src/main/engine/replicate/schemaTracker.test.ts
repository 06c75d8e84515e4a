import { describe, expect, it } from 'vitest'
import type { ColumnInfo } from '../vocabulary/columnCatalog'
import { createSchemaTracker, ddlMarks, type TrackedTable } from './schemaTracker'

const column = (name: string, columnType = 'int'): ColumnInfo => ({
  name,
  dataType: columnType.split('(')[0]!,
  columnType,
  nullable: true,
  generated: 'no',
  charset: null,
  collation: null,
})

function seed(): TrackedTable[] {
  return [
    {
      ref: { schema: 'shop', name: 'orders' },
      columns: [column('id'), column('n'), column('note', 'varchar(20)')],
      uniqueKeys: [{ name: 'PRIMARY', columns: ['id'], primary: true }],
      version: 0,
    },
  ]
}

/** The marks of `statement` run against the seed, as the applier computes them: history before and after. */
function marksOf(statement: string) {
  const before = seed()
  const tracker = createSchemaTracker(['shop'], seed())
  tracker.applyStatement(statement, 'shop')
  return ddlMarks(before, JSON.parse(tracker.serialize()) as TrackedTable[], statement, 'shop')
}

const orders = { schema: 'shop', name: 'orders' }

describe('what a DDL leaves on the target (ddlMarks)', () => {
  it('names added and dropped indexes and columns', () => {
    expect(marksOf('ALTER TABLE orders ADD INDEX ix_n (n), ADD COLUMN flag TINYINT, DROP COLUMN note')).toEqual([
      { kind: 'column', ref: orders, name: 'flag', exists: true },
      { kind: 'column', ref: orders, name: 'note', exists: false },
      { kind: 'index', ref: orders, name: 'ix_n', exists: true },
    ])
    expect(marksOf('ALTER TABLE `shop`.`orders` ADD UNIQUE KEY `uk_note` (`note`)')).toEqual([
      { kind: 'index', ref: orders, name: 'uk_note', exists: true },
    ])
    expect(marksOf('ALTER TABLE orders ADD CONSTRAINT c1 UNIQUE (note), DROP INDEX ix_old')).toEqual([
      { kind: 'index', ref: orders, name: 'c1', exists: true },
      { kind: 'index', ref: orders, name: 'ix_old', exists: false },
    ])
    expect(marksOf('ALTER TABLE orders RENAME INDEX a TO b')).toEqual([
      { kind: 'index', ref: orders, name: 'a', exists: false },
      { kind: 'index', ref: orders, name: 'b', exists: true },
    ])
    expect(marksOf('CREATE INDEX ix2 ON orders (n)')).toEqual([
      { kind: 'index', ref: orders, name: 'ix2', exists: true },
    ])
    expect(marksOf('DROP INDEX IF EXISTS ix2 ON shop.orders')).toEqual([
      { kind: 'index', ref: orders, name: 'ix2', exists: false },
    ])
  })

  it('names created, dropped and renamed tables, and databases', () => {
    expect(marksOf('CREATE TABLE t2 (id INT PRIMARY KEY)')).toEqual([
      { kind: 'table', ref: { schema: 'shop', name: 't2' }, exists: true },
    ])
    expect(marksOf('DROP TABLE orders')).toEqual([{ kind: 'table', ref: orders, exists: false }])
    expect(marksOf('RENAME TABLE orders TO orders_old')).toEqual([
      { kind: 'table', ref: { schema: 'shop', name: 'orders_old' }, exists: true },
      { kind: 'table', ref: orders, exists: false },
    ])
    expect(marksOf('CREATE DATABASE IF NOT EXISTS shop')).toEqual([{ kind: 'database', name: 'shop', exists: true }])
  })

  it('has nothing to look at where a DDL changes no name: it is then run again', () => {
    expect(marksOf('ALTER TABLE orders MODIFY n BIGINT')).toEqual([])
    expect(marksOf('ALTER TABLE orders ADD INDEX (n)')).toEqual([])
    expect(marksOf('TRUNCATE TABLE orders')).toEqual([])
  })
})
