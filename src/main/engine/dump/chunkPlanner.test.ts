import { describe, expect, it } from 'vitest'
import {
  buildChunkQuery,
  buildKeyScanQuery,
  chunkCondition,
  pickBoundaries,
  planChunks,
  rowsPerChunk,
} from './chunkPlanner'
import type { Chunk, KeyInfo, KeyValue } from './types'
import type { ColumnInfo } from '../vocabulary/columnCatalog'
import type { TableRef } from '../vocabulary/tableRef'

const table: TableRef = { schema: 'shop', name: 'orders' }

/** mulberry32: small, seeded, good enough to shuffle test data reproducibly. */
function prng(seed: number): () => number {
  let a = seed >>> 0
  return () => {
    a = (a + 0x6d2b79f5) >>> 0
    let t = a
    t = Math.imul(t ^ (t >>> 15), t | 1)
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61)
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296
  }
}

/** Lexicographic order as the server applies it to row values (binary order for the ASCII strings used here). */
function compareTuples(a: KeyValue[], b: KeyValue[]): number {
  for (let i = 0; i < a.length; i++) {
    const x = a[i]
    const y = b[i]
    if (typeof x === 'number' && typeof y === 'number') {
      if (x !== y) return x < y ? -1 : 1
    } else {
      const sx = String(x)
      const sy = String(y)
      if (sx !== sy) return sx < sy ? -1 : 1
    }
  }
  return 0
}

function inChunk(row: KeyValue[], chunk: Chunk): boolean {
  return (
    (chunk.lower === null || compareTuples(row, chunk.lower) > 0) &&
    (chunk.upper === null || compareTuples(row, chunk.upper) <= 0)
  )
}

function uniqueSorted(rows: KeyValue[][]): KeyValue[][] {
  const sorted = [...rows].sort(compareTuples)
  return sorted.filter((r, i) => i === 0 || compareTuples(sorted[i - 1]!, r) !== 0)
}

function checkPlan(rows: KeyValue[][], key: KeyInfo, perChunk: number): Chunk[] {
  const sorted = uniqueSorted(rows)
  const chunks = planChunks({
    table,
    key,
    rowEstimate: sorted.length,
    avgRowBytes: 100,
    targetChunkBytes: perChunk * 100,
    boundaries: pickBoundaries(sorted, perChunk),
  })
  expect(chunks[0]!.lower).toBeNull()
  expect(chunks[chunks.length - 1]!.upper).toBeNull()
  chunks.forEach((c, i) => {
    expect(c.index).toBe(i)
    if (i > 0) expect(c.lower).toBe(chunks[i - 1]!.upper) // contiguous: each lower is the previous upper
  })
  const counts = chunks.map(() => 0)
  for (const row of sorted) {
    const hits = chunks.filter((c) => inChunk(row, c))
    expect(hits, `row ${JSON.stringify(row)}`).toHaveLength(1)
    counts[hits[0]!.index]! += 1
  }
  // Sizes are as asked, and no chunk is empty: the last key is never picked as a boundary.
  for (const n of counts) {
    if (sorted.length > 0) expect(n).toBeGreaterThan(0)
    expect(n).toBeLessThanOrEqual(perChunk)
  }
  expect(chunks.length).toBe(Math.max(1, Math.ceil(sorted.length / perChunk)))
  return chunks
}

describe('planChunks', () => {
  it('covers random integer keys exactly once', () => {
    const rand = prng(42)
    const key: KeyInfo = { kind: 'primary', columns: [{ name: 'id', type: 'int' }] }
    for (let trial = 0; trial < 40; trial++) {
      const n = Math.floor(rand() * 500)
      const rows = Array.from({ length: n }, () => [Math.floor(rand() * 1e6) - 5e5])
      checkPlan(rows, key, 1 + Math.floor(rand() * 50))
    }
  })

  it('covers random composite keys exactly once', () => {
    const rand = prng(7)
    const key: KeyInfo = {
      kind: 'primary',
      columns: [
        { name: 'tenant', type: 'int' },
        { name: 'seq', type: 'int' },
      ],
    }
    for (let trial = 0; trial < 40; trial++) {
      const n = Math.floor(rand() * 400)
      // Few tenants, so many rows share the leading column and boundaries fall inside a tenant.
      const rows = Array.from({ length: n }, () => [Math.floor(rand() * 4), Math.floor(rand() * 100)])
      checkPlan(rows, key, 1 + Math.floor(rand() * 30))
    }
  })

  it('covers random string keys exactly once', () => {
    const rand = prng(99)
    const key: KeyInfo = { kind: 'unique', columns: [{ name: 'code', type: 'string' }] }
    const alphabet = 'ab Z09_'
    for (let trial = 0; trial < 40; trial++) {
      const n = Math.floor(rand() * 300)
      const rows = Array.from({ length: n }, () => {
        const len = Math.floor(rand() * 5)
        return [Array.from({ length: len }, () => alphabet[Math.floor(rand() * alphabet.length)]).join('')]
      })
      checkPlan(rows, key, 1 + Math.floor(rand() * 20))
    }
  })

  it('plans one open chunk for an empty table, a single row and a table without a key', () => {
    const key: KeyInfo = { kind: 'primary', columns: [{ name: 'id', type: 'int' }] }
    expect(checkPlan([], key, 10)).toEqual([{ index: 0, lower: null, upper: null }])
    expect(checkPlan([[5]], key, 1)).toEqual([{ index: 0, lower: null, upper: null }])
    expect(
      planChunks({ table, key: null, rowEstimate: 1e9, avgRowBytes: 100, targetChunkBytes: 1, boundaries: [[1]] }),
    ).toEqual([{ index: 0, lower: null, upper: null }])
  })

  it('collapses duplicate boundaries instead of planning empty chunks', () => {
    const key: KeyInfo = { kind: 'primary', columns: [{ name: 'id', type: 'uint' }] }
    const chunks = planChunks({
      table,
      key,
      rowEstimate: 10,
      avgRowBytes: 1,
      targetChunkBytes: 1,
      boundaries: [['10'], [10], [20n], [20], [30]],
    })
    expect(chunks.map((c) => [c.lower, c.upper])).toEqual([
      [null, ['10']],
      [['10'], [20n]],
      [[20n], [30]],
      [[30], null],
    ])
  })

  it('rejects integer boundaries out of order and NULL key values', () => {
    const key: KeyInfo = { kind: 'primary', columns: [{ name: 'id', type: 'int' }] }
    const plan = (boundaries: KeyValue[][]) =>
      planChunks({ table, key, rowEstimate: 1, avgRowBytes: 1, targetChunkBytes: 1, boundaries })
    expect(() => plan([[5], [3]])).toThrow(/ascending/)
    expect(() => plan([[null]])).toThrow(expect.objectContaining({ code: 'DUMP_NULL_KEY_VALUE' }))
  })
})

describe('pickBoundaries', () => {
  it('takes every Nth key but never the last one', () => {
    const keys = [1, 2, 3, 4, 5, 6].map((n) => [n])
    expect(pickBoundaries(keys, 2)).toEqual([[2], [4]])
    expect(pickBoundaries(keys, 4)).toEqual([[4]])
    expect(pickBoundaries(keys, 6)).toEqual([])
    expect(pickBoundaries([], 3)).toEqual([])
    expect(() => pickBoundaries(keys, 0)).toThrow()
  })

  it('works on a lazy stream of keys', () => {
    function* keys(): Generator<KeyValue[]> {
      for (let i = 1; i <= 10; i++) yield [i]
    }
    expect(pickBoundaries(keys(), 3)).toEqual([[3], [6], [9]])
  })
})

describe('rowsPerChunk', () => {
  it('divides bytes and never returns less than one', () => {
    expect(rowsPerChunk(100, 64 * 1024 * 1024)).toBe(671088)
    expect(rowsPerChunk(1e9, 1024)).toBe(1)
    expect(rowsPerChunk(0, 1000)).toBe(1000)
  })
})

const col = (name: string, dataType: string, generated: ColumnInfo['generated'] = 'no'): ColumnInfo => ({
  name,
  dataType,
  columnType: dataType,
  nullable: true,
  generated,
  charset: null,
  collation: null,
})

describe('buildChunkQuery', () => {
  const columns = [col('id', 'int'), col('na`me', 'varchar'), col('ratio', 'float')]

  it('uses row-value bounds and a leading-column range for composite keys', () => {
    const key: KeyInfo = {
      kind: 'primary',
      columns: [
        { name: 'a', type: 'int' },
        { name: 'b', type: 'string' },
      ],
    }
    const q = buildChunkQuery({ schema: 'sh`op', name: 'orders' }, columns, key, {
      index: 1,
      lower: [1, 'x'],
      upper: [5, 'y'],
    })
    expect(q.sql).toBe(
      'SELECT `id`, `na``me`, (`ratio` * 1e0) AS `ratio` FROM `sh``op`.`orders` ' +
        'WHERE `a` >= ? AND (`a`, `b`) > (?, ?) AND `a` <= ? AND (`a`, `b`) <= (?, ?) ORDER BY `a`, `b`',
    )
    expect(q.params).toEqual([1, 1, 'x', 5, 5, 'y'])
  })

  it('leaves out open bounds', () => {
    const key: KeyInfo = { kind: 'primary', columns: [{ name: 'id', type: 'int' }] }
    expect(buildChunkQuery(table, columns.slice(0, 1), key, { index: 0, lower: null, upper: [10] })).toEqual({
      sql: 'SELECT `id` FROM `shop`.`orders` WHERE `id` <= ? ORDER BY `id`',
      params: [10],
    })
    expect(buildChunkQuery(table, columns.slice(0, 1), key, { index: 3, lower: [10], upper: null })).toEqual({
      sql: 'SELECT `id` FROM `shop`.`orders` WHERE `id` > ? ORDER BY `id`',
      params: [10],
    })
    expect(buildChunkQuery(table, columns.slice(0, 1), key, { index: 0, lower: null, upper: null }).sql).toBe(
      'SELECT `id` FROM `shop`.`orders` ORDER BY `id`',
    )
  })

  it('reads a keyless table as one full scan without ORDER BY', () => {
    expect(buildChunkQuery(table, columns.slice(0, 1), null, { index: 0, lower: null, upper: null })).toEqual({
      sql: 'SELECT `id` FROM `shop`.`orders`',
      params: [],
    })
  })

  it('refuses bytes for a text key and bounds of the wrong width', () => {
    const key: KeyInfo = { kind: 'unique', columns: [{ name: 'code', type: 'string' }] }
    const chunk = { index: 0, lower: [Buffer.from('a')], upper: null }
    expect(() => buildChunkQuery(table, columns, key, chunk)).toThrow(/as a string/)
    expect(() => buildChunkQuery(table, columns, key, { index: 0, lower: ['a', 'b'], upper: null })).toThrow(/2 values/)
  })

  it('scans only the key for sampling', () => {
    const key: KeyInfo = {
      kind: 'primary',
      columns: [
        { name: 'a', type: 'int' },
        { name: 'b', type: 'datetime' },
      ],
    }
    expect(buildKeyScanQuery(table, key)).toBe('SELECT `a`, `b` FROM `shop`.`orders` ORDER BY `a`, `b`')
  })
})

describe('chunkCondition', () => {
  const key: KeyInfo = {
    kind: 'primary',
    columns: [
      { name: 'region', type: 'string' },
      { name: 'n', type: 'int' },
    ],
  }

  it('is empty for an unbounded chunk, and the range of the read query otherwise', () => {
    expect(chunkCondition(table, key, { index: 0, lower: null, upper: null })).toEqual({ where: '', params: [] })
    expect(chunkCondition(table, key, { index: 1, lower: ['a', 1], upper: null })).toEqual({
      where: '`region` >= ? AND (`region`, `n`) > (?, ?)',
      params: ['a', 'a', 1],
    })
  })

  it('compares a key column under the collation it is given, so both sides cut ranges alike', () => {
    const { where } = chunkCondition(table, key, { index: 1, lower: ['a', 1], upper: ['m', 5] }, [
      'latin1_swedish_ci',
      null,
    ])
    expect(where).toBe(
      '`region` COLLATE latin1_swedish_ci >= ? AND (`region` COLLATE latin1_swedish_ci, `n`) > (?, ?) AND ' +
        '`region` COLLATE latin1_swedish_ci <= ? AND (`region` COLLATE latin1_swedish_ci, `n`) <= (?, ?)',
    )
    expect(() => chunkCondition(table, key, { index: 0, lower: ['a', 1], upper: null }, ['x; DROP', null])).toThrow(
      /not a collation name/,
    )
  })
})
