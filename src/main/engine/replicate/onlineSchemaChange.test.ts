import { describe, expect, it } from 'vitest'
import type { ColumnInfo } from '../vocabulary/columnCatalog'
import { alterForTable, findCutOvers, toolTable } from './onlineSchemaChange'
import { createSchemaTracker, type TrackedTable } from './schemaTracker'

const known =
  (...names: string[]) =>
  (name: string) =>
    names.includes(name)

describe('tool tables by name', () => {
  it('knows gh-ost and pt-osc tables of a table the database has', () => {
    const has = known('t', 'orders', '_audit')
    expect(toolTable('_t_gho', has)).toEqual({ tool: 'gh-ost', role: 'shadow', table: 't' })
    expect(toolTable('_t_ghc', has)).toEqual({ tool: 'gh-ost', role: 'changelog', table: 't' })
    expect(toolTable('_t_del', has)).toEqual({ tool: 'gh-ost', role: 'old', table: 't' })
    expect(toolTable('_orders_20261207142501_del', has)).toEqual({ tool: 'gh-ost', role: 'old', table: 'orders' })
    expect(toolTable('_t_new', has)).toEqual({ tool: 'pt-online-schema-change', role: 'shadow', table: 't' })
    expect(toolTable('_t_old', has)).toEqual({ tool: 'pt-online-schema-change', role: 'old', table: 't' })
    // pt-osc prefixes another underscore when the name is taken; a real name may start with one too.
    expect(toolTable('__t_new', has)).toEqual({ tool: 'pt-online-schema-change', role: 'shadow', table: 't' })
    expect(toolTable('___t_old', has)).toEqual({ tool: 'pt-online-schema-change', role: 'old', table: 't' })
    expect(toolTable('__audit_new', has)).toEqual({ tool: 'pt-online-schema-change', role: 'shadow', table: '_audit' })
  })

  it('leaves alone names whose real table is unknown, and ordinary names', () => {
    const has = known('t')
    expect(toolTable('_x_gho', has)).toBeNull()
    expect(toolTable('_x_new', has)).toBeNull()
    expect(toolTable('t_new', has)).toBeNull()
    expect(toolTable('t', has)).toBeNull()
    expect(toolTable('_t_ghost', has)).toBeNull()
  })
})

describe('cut-over renames', () => {
  const ref = (name: string) => ({ schema: 'db', name })
  const isTable = (r: { name: string }) => ['t', '_t_gho', '_t_new', 'u'].includes(r.name)

  it("finds gh-ost's and pt-osc's swap, in either order, and leaves other pairs", () => {
    expect(
      findCutOvers(
        [
          { from: ref('t'), to: ref('_t_del') },
          { from: ref('_t_gho'), to: ref('t') },
        ],
        isTable,
      ),
    ).toEqual({
      cutOvers: [{ tool: 'gh-ost', table: ref('t'), shadow: ref('_t_gho') }],
      rest: [],
    })
    const pt = findCutOvers(
      [
        { from: ref('_t_new'), to: ref('t') },
        { from: ref('t'), to: ref('_t_old') },
        { from: ref('u'), to: ref('v') },
      ],
      isTable,
    )
    expect(pt.cutOvers.map((c) => [c.tool, c.shadow.name])).toEqual([['pt-online-schema-change', '_t_new']])
    expect(pt.rest).toEqual([{ from: ref('u'), to: ref('v') }])
  })

  it("is no cut-over when only the real table moves aside: gh-ost's two-step cut-over swaps in the shadow next", () => {
    expect(findCutOvers([{ from: ref('t'), to: ref('_t_del') }], isTable)).toEqual({
      cutOvers: [],
      rest: [{ from: ref('t'), to: ref('_t_del') }],
    })
    expect(findCutOvers([{ from: ref('_t_gho'), to: ref('t') }], isTable).cutOvers).toEqual([
      { tool: 'gh-ost', table: ref('t'), shadow: ref('_t_gho') },
    ])
  })
})

describe('ALTERs moved onto the real table', () => {
  it('rewrites the name only, qualified or not, keeping the rest verbatim', () => {
    const t = { schema: 'shop', name: 't' }
    expect(alterForTable('ALTER TABLE `_t_gho` ADD COLUMN c INT, ADD KEY ix_c (c)', t)).toBe(
      'ALTER TABLE `shop`.`t` ADD COLUMN c INT, ADD KEY ix_c (c)',
    )
    expect(alterForTable('alter /* x */ table shop._t_new  modify v bigint', t)).toBe(
      'alter /* x */ table `shop`.`t`  modify v bigint',
    )
  })
})

const column = (name: string): ColumnInfo => ({
  name,
  dataType: 'int',
  columnType: 'int',
  nullable: true,
  generated: 'no',
  charset: null,
  collation: null,
})
const table = (name: string, columns: string[]): TrackedTable => ({
  ref: { schema: 'db', name },
  columns: columns.map(column),
  uniqueKeys: [{ name: 'PRIMARY', columns: ['id'], primary: true }],
  version: 0,
})

describe('the schema history through a tool run', () => {
  it('records the shadow, skips its rows, and applies its ALTER to t at the cut-over (table-level job)', () => {
    const tracker = createSchemaTracker(['db.t'], [table('t', ['id', 'v'])])
    expect(tracker.applyStatement('CREATE TABLE _t_ghc (id INT PRIMARY KEY, hint VARCHAR(64))', 'db')).toMatchObject({
      kind: 'ignore',
    })
    expect(tracker.applyStatement('CREATE TABLE _t_gho LIKE t', 'db')).toMatchObject({
      kind: 'apply',
      tables: [],
      online: { kind: 'record', tool: 'gh-ost' },
    })
    expect(tracker.applyStatement('ALTER TABLE _t_gho ADD COLUMN c INT', 'db')).toMatchObject({
      online: { kind: 'record' },
    })
    expect(tracker.inScope('db', '_t_gho')).toBe(false)
    expect(tracker.inScope('db', '_t_ghc')).toBe(false)
    expect(tracker.inScope('db', 't')).toBe(true)
    // Survives a restart: the record travels in the serialized history.
    const restored = createSchemaTracker(['db.t'], JSON.parse(tracker.serialize()) as TrackedTable[])
    const effect = restored.applyStatement('RENAME TABLE t TO _t_del, _t_gho TO t', 'db')
    expect(effect).toMatchObject({
      kind: 'apply',
      tables: [{ schema: 'db', name: 't' }],
      online: { kind: 'cutover', statements: ['ALTER TABLE `db`.`t` ADD COLUMN c INT'] },
    })
    expect(restored.get('db', 't')!.columns.map((c) => c.name)).toEqual(['id', 'v', 'c'])
    expect(restored.get('db', '_t_gho')).toBeUndefined()
    expect(restored.applyStatement('DROP TABLE IF EXISTS `_t_del`', 'db')).toMatchObject({ kind: 'ignore' })
    expect(restored.applyStatement('DROP TABLE IF EXISTS `_t_ghc`', 'db')).toMatchObject({ kind: 'ignore' })
  })

  it("follows gh-ost's two-step cut-over: t moved aside, then the shadow renamed to t", () => {
    const tracker = createSchemaTracker(['db'], [table('t', ['id', 'v'])])
    tracker.applyStatement('CREATE TABLE _t_gho LIKE t', 'db')
    tracker.applyStatement('ALTER TABLE _t_gho DROP COLUMN v', 'db')
    expect(tracker.applyStatement('RENAME TABLE t TO _t_del', 'db')).toMatchObject({ kind: 'ignore' })
    expect(tracker.get('db', 't')!.columns.map((c) => c.name)).toEqual(['id', 'v'])
    expect(tracker.applyStatement('RENAME TABLE _t_gho TO t', 'db')).toMatchObject({
      online: { kind: 'cutover', statements: ['ALTER TABLE `db`.`t` DROP COLUMN v'] },
    })
    expect(tracker.get('db', 't')!.columns.map((c) => c.name)).toEqual(['id'])
  })

  it('says a shadow seen before the start cannot be replayed, unless it equals the table', () => {
    const seeded = (columns: string[], sameIndexesAtStart = true) => {
      const shadow = table('_t_new', columns)
      shadow.shadow = {
        tool: 'pt-online-schema-change',
        table: 't',
        alters: [],
        createSeen: false,
        sameIndexesAtStart,
      }
      return createSchemaTracker(['db'], [table('t', ['id', 'v']), shadow])
    }
    const swap = 'RENAME TABLE t TO _t_old, _t_new TO t'
    expect(seeded(['id', 'v', 'c']).applyStatement(swap, 'db')).toMatchObject({
      online: { kind: 'cutover', statements: null },
    })
    expect(seeded(['id', 'v']).applyStatement(swap, 'db')).toMatchObject({
      online: { kind: 'cutover', statements: [] },
    })
    // Same columns, but an index only the shadow had at the start (ADD KEY): not a swap that changes nothing.
    expect(seeded(['id', 'v'], false).applyStatement(swap, 'db')).toMatchObject({
      online: { kind: 'cutover', statements: null },
    })
  })

  it('keeps an application table named like a tool table when its real table is unknown', () => {
    const tracker = createSchemaTracker(['db'], [table('t', ['id'])])
    expect(tracker.applyStatement('CREATE TABLE _orders_new (id INT PRIMARY KEY)', 'db')).toMatchObject({
      kind: 'apply',
      tables: [{ schema: 'db', name: '_orders_new' }],
    })
    expect(tracker.inScope('db', '_orders_new')).toBe(true)
  })
})
