import { describe, expect, it } from 'vitest'
import type { ColumnInfo } from '../vocabulary/columnCatalog'
import type { TableRef } from '../vocabulary/tableRef'
import type { CellValue } from '../load/valueEncoding'
import type { ChangeKind, RowChange } from './binlogReader'
import { rowKeys } from './causality'
import type { TrackedTable, UniqueKey } from './schemaTracker'
import type { PlannedStatement } from './statementPlanner'
import { planStatements } from './statementPlanner'

const column = (name: string, dataType: string, nullable = false): ColumnInfo => ({
  name,
  dataType,
  columnType: dataType,
  nullable,
  generated: 'no',
  charset: dataType === 'varchar' ? 'utf8mb4' : null,
  collation: dataType === 'varchar' ? 'utf8mb4_bin' : null,
})

function table(name: string, columns: ColumnInfo[], uniqueKeys: UniqueKey[]): TrackedTable {
  return { ref: { schema: 'db', name }, columns, uniqueKeys, version: 0 }
}

/** id PRIMARY KEY, u UNIQUE (nullable), v. */
const keyed = table(
  'keyed',
  [column('id', 'int'), column('u', 'int', true), column('v', 'varchar', true)],
  [
    { name: 'PRIMARY', columns: ['id'], primary: true },
    { name: 'u', columns: ['u'], primary: false },
  ],
)
/** Only a nullable unique key: rows with u NULL have no usable key and are matched by every value. */
const nullableKey = table(
  'nullable',
  [column('u', 'int', true), column('v', 'varchar', true)],
  [{ name: 'u', columns: ['u'], primary: false }],
)
/** No key at all: rows are matched by every value. */
const keyless = table('keyless', [column('a', 'int', true), column('b', 'varchar', true)], [])

type Row = readonly CellValue[]

function change(t: TrackedTable, kind: ChangeKind, before: Row | null, after: Row | null, safe = false) {
  const c: RowChange = {
    kind,
    ref: t.ref,
    table: t,
    columns: t.columns,
    before: before && [...before],
    after: after && [...after],
  }
  return {
    change: c,
    beforeKeys: rowKeys(c.ref, c.columns, t.uniqueKeys, c.before),
    afterKeys: rowKeys(c.ref, c.columns, t.uniqueKeys, c.after),
    safe,
  }
}

/** A target that runs planned statements with MySQL's semantics for the unique keys above. */
class SimulatedTarget {
  readonly rows = new Map<string, Row[]>()
  constructor(initial: Record<string, Row[]>) {
    for (const [name, rows] of Object.entries(initial))
      this.rows.set(
        name,
        rows.map((r) => [...r]),
      )
  }
  private keysOf(t: TableRef): number[][] {
    return { keyed: [[0], [1]], nullable: [[0]] }[t.name] ?? []
  }
  private conflicts(t: TableRef, row: Row): number[] {
    const rows = this.rows.get(t.name)!
    return rows.flatMap((r, i) =>
      this.keysOf(t).some((k) => k.every((c) => row[c] !== null && r[c] === row[c])) ? [i] : [],
    )
  }
  private insert(t: TableRef, row: Row, replace: boolean): void {
    const rows = this.rows.get(t.name)!
    const hit = this.conflicts(t, row)
    if (hit.length > 0 && !replace) throw Object.assign(new Error(`duplicate key in ${t.name}`), { errno: 1062 })
    for (const i of hit.sort((a, b) => b - a)) rows.splice(i, 1)
    rows.push([...row])
  }
  run(s: PlannedStatement): void {
    const rows = this.rows.get(s.table.name)!
    const same = (a: Row, b: Row) => a.every((v, i) => v === b[i])
    switch (s.kind) {
      case 'insert':
      case 'replace':
        for (const image of s.images) this.insert(s.table, image, s.kind === 'replace')
        return
      case 'delete': {
        const names = [keyed, nullableKey].find((t) => t.ref.name === s.table.name)!.columns.map((c) => c.name)
        const cols = s.keyColumns!.map((name) => names.indexOf(name))
        for (const image of s.images) {
          const at = rows.findIndex((r) => cols.every((c) => r[c] === image[c]))
          if (at >= 0) rows.splice(at, 1)
        }
        return
      }
      case 'deleteOne': {
        const at = rows.findIndex((r) => same(r, s.images[0]!))
        if (at >= 0) rows.splice(at, 1)
        return
      }
      case 'updateOne': {
        const at = rows.findIndex((r) => same(r, s.images[0]!))
        if (at >= 0) rows[at] = [...s.images[1]!]
        return
      }
    }
  }
  sorted(name: string): Row[] {
    return [...this.rows.get(name)!]
      .map((r) => [...r])
      .sort((a, b) => JSON.stringify(a).localeCompare(JSON.stringify(b)))
  }
}

function lcg(seed: number) {
  let x = seed
  return (n: number) => {
    x = (x * 1103515245 + 12345) % 2147483648
    return x % n
  }
}

/** A random but consistent history of source changes: every change is valid against the source's state. */
function randomHistory(seed: number, steps: number, safe: boolean) {
  const rand = lcg(seed)
  const source = new SimulatedTarget({
    keyed: Array.from({ length: 8 }, (_, i) => [i, rand(3) === 0 ? null : i * 10, `v${i}`]),
    keyless: [
      [1, 'x'],
      [1, 'x'],
      [2, null],
    ],
    nullable: [
      [1, 'a'],
      [null, 'b'],
      [null, 'b'],
    ],
  })
  const initial = {
    keyed: source.sorted('keyed'),
    keyless: source.sorted('keyless'),
    nullable: source.sorted('nullable'),
  }
  const changes: ReturnType<typeof change>[] = []
  const freeU = (except?: Row) => {
    for (;;) {
      const u = rand(4) === 0 ? null : rand(40)
      if (u === null || !source.rows.get('keyed')!.some((r) => r !== except && r[1] === u)) return u
    }
  }
  for (let n = 0; n < steps; n++) {
    const rows = source.rows.get('keyed')!
    const r = rand(12)
    if (r < 2) {
      const free = Array.from({ length: 16 }, (_, i) => i).filter((id) => !rows.some((x) => x[0] === id))
      if (free.length === 0) continue
      const row: Row = [free[rand(free.length)]!, freeU(), `n${n}`]
      changes.push(change(keyed, 'insert', null, row, safe))
      source.run({ sql: '', table: keyed.ref, kind: 'insert', images: [row] })
    } else if (r < 6 && rows.length > 0) {
      const before = rows[rand(rows.length)]!
      // Sometimes the primary key itself moves.
      const free = Array.from({ length: 16 }, (_, i) => i).filter((id) => !rows.some((x) => x[0] === id))
      const id = rand(4) === 0 && free.length > 0 ? free[rand(free.length)]! : before[0]!
      const after: Row = [id, rand(2) === 0 ? before[1]! : freeU(before), `u${n}`]
      changes.push(change(keyed, 'update', before, after, safe))
      source.run({ sql: '', table: keyed.ref, kind: 'updateOne', images: [before, after] })
    } else if (r < 8 && rows.length > 0) {
      const before = rows[rand(rows.length)]!
      changes.push(change(keyed, 'delete', before, null, safe))
      source.run({ sql: '', table: keyed.ref, kind: 'deleteOne', images: [before] })
    } else if (r < 10) {
      // The nullable-key table: keyed and keyless rows mixed, keys moving to and from NULL.
      const rows = source.rows.get('nullable')!
      const freeKey = () => {
        for (;;) {
          const u = rand(3) === 0 ? null : rand(6)
          if (u === null || !rows.some((x) => x[0] === u)) return u
        }
      }
      const k = rand(3)
      if (k === 0 || rows.length === 0) {
        const row: Row = [freeKey(), `n${n}`]
        changes.push(change(nullableKey, 'insert', null, row, safe))
        source.run({ sql: '', table: nullableKey.ref, kind: 'insert', images: [row] })
      } else if (k === 1) {
        const before = rows[rand(rows.length)]!
        const after: Row = [rand(2) === 0 ? before[0]! : freeKey(), `u${n}`]
        changes.push(change(nullableKey, 'update', before, after, safe))
        source.run({ sql: '', table: nullableKey.ref, kind: 'updateOne', images: [before, after] })
      } else {
        const before = rows[rand(rows.length)]!
        changes.push(change(nullableKey, 'delete', before, null, safe))
        source.run({ sql: '', table: nullableKey.ref, kind: 'deleteOne', images: [before] })
      }
    } else {
      const free = source.rows.get('keyless')!
      const k = rand(3)
      if (k === 0 || free.length === 0) {
        const row: Row = [rand(3), rand(2) ? 'x' : null]
        changes.push(change(keyless, 'insert', null, row, safe))
        source.run({ sql: '', table: keyless.ref, kind: 'insert', images: [row] })
      } else if (k === 1) {
        const before = free[rand(free.length)]!
        const after: Row = [rand(3), 'y']
        changes.push(change(keyless, 'update', before, after, safe))
        source.run({ sql: '', table: keyless.ref, kind: 'updateOne', images: [before, after] })
      } else {
        const before = free[rand(free.length)]!
        changes.push(change(keyless, 'delete', before, null, safe))
        source.run({ sql: '', table: keyless.ref, kind: 'deleteOne', images: [before] })
      }
    }
  }
  return {
    initial,
    changes,
    expected: { keyed: source.sorted('keyed'), keyless: source.sorted('keyless'), nullable: source.sorted('nullable') },
  }
}

describe('planStatements', () => {
  it('compacts a hot row updated many times into one DELETE and one INSERT', () => {
    const batch = []
    let row: Row = [1, 5, 'v0']
    for (let i = 1; i <= 400; i++) {
      const next: Row = [1, 5, `v${i}`]
      batch.push(change(keyed, 'update', row, next))
      row = next
    }
    const planned = planStatements(batch, 16 * 1024 * 1024)
    expect(planned.map((s) => s.kind)).toEqual(['delete', 'insert'])
    expect(planned[1]!.sql).toBe("INSERT INTO `db`.`keyed` (`id`, `u`, `v`) VALUES (1,5,_utf8mb4'v400')")
    expect(planned[0]!.sql).toBe('DELETE FROM `db`.`keyed` WHERE `id` IN (1)')
  })

  it('drops an insert the batch deletes again, and the delete too when the row did not exist before', () => {
    const planned = planStatements(
      [
        change(keyed, 'delete', [1, null, 'a'], null),
        change(keyed, 'insert', null, [1, null, 'b']),
        change(keyed, 'delete', [1, null, 'b'], null),
        change(keyed, 'insert', null, [2, 7, 'c']),
      ],
      16 * 1024 * 1024,
    )
    expect(planned.map((s) => s.sql)).toEqual([
      'DELETE FROM `db`.`keyed` WHERE `id` IN (1)',
      "INSERT INTO `db`.`keyed` (`id`, `u`, `v`) VALUES (2,7,_utf8mb4'c')",
    ])
  })

  it('keeps inserts of many keys in one statement and uses REPLACE in safe mode', () => {
    const planned = planStatements(
      Array.from({ length: 50 }, (_, i) => change(keyed, 'insert', null, [i, i, `r${i}`], true)),
      16 * 1024 * 1024,
    )
    expect(planned).toHaveLength(1)
    expect(planned[0]!.kind).toBe('replace')
    expect(planned[0]!.images).toHaveLength(50)
  })

  it('matches rows of a table without a key by all their values, one statement each', () => {
    const planned = planStatements(
      [change(keyless, 'update', [1, 'x'], [2, 'y']), change(keyless, 'delete', [2, null], null)],
      16 * 1024 * 1024,
    )
    expect(planned.map((s) => s.sql)).toEqual([
      "UPDATE `db`.`keyless` SET `a` = 2, `b` = _utf8mb4'y' WHERE `a` <=> 1 AND `b` <=> _utf8mb4'x' LIMIT 1",
      'DELETE FROM `db`.`keyless` WHERE `a` <=> 2 AND `b` <=> NULL LIMIT 1',
    ])
  })

  it('does not compact across an update of a row matched by all its values', () => {
    // u=3 is deleted, a keyless row takes u=3, then that row is deleted: the second DELETE must not be dropped.
    const target = new SimulatedTarget({
      keyed: [],
      keyless: [],
      nullable: [
        [3, 'a'],
        [null, 'b'],
      ],
    })
    const planned = planStatements(
      [
        change(nullableKey, 'delete', [3, 'a'], null),
        change(nullableKey, 'update', [null, 'b'], [3, 'c']),
        change(nullableKey, 'delete', [3, 'c'], null),
      ],
      16 * 1024 * 1024,
    )
    for (const s of planned) target.run(s)
    expect(target.sorted('nullable')).toEqual([])
  })

  // The property that matters: running the plan of any valid history in one transaction ends in the state the
  // source reached, whatever compaction and grouping did to it.
  for (const safe of [false, true]) {
    it(`ends in the source's state for 500 random histories (${safe ? 'safe mode' : 'normal'})`, () => {
      let statements = 0
      let changes = 0
      for (let seed = 1; seed <= 500; seed++) {
        const history = randomHistory(seed, 5 + (seed % 60), safe)
        const target = new SimulatedTarget(history.initial)
        const planned = planStatements(history.changes, 16 * 1024 * 1024)
        for (const s of planned) target.run(s)
        expect(target.sorted('keyed'), `seed ${seed}`).toEqual(history.expected.keyed)
        expect(target.sorted('keyless'), `seed ${seed}`).toEqual(history.expected.keyless)
        expect(target.sorted('nullable'), `seed ${seed}`).toEqual(history.expected.nullable)
        statements += planned.length
        changes += history.changes.length
      }
      // Compaction and grouping must leave far fewer statements than changes.
      expect(statements).toBeLessThan(changes * 0.8)
    })
  }
})
