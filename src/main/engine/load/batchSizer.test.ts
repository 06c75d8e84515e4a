import { describe, expect, it } from 'vitest'
import { createBatcher, type BatchAction } from './batchSizer'

const table = { schema: 'shop', name: 'orders' }

/** Feeds rows of the given sizes and returns the action list, with statements shown as their row ids. */
function run(sizes: number[], limits: Parameters<typeof createBatcher>[0]): (number[] | 'commit')[] {
  const batcher = createBatcher<number>(limits)
  const actions: BatchAction<number>[] = []
  sizes.forEach((bytes, id) => actions.push(...batcher.push(id, bytes)))
  actions.push(...batcher.finish())
  return actions.map((a) => (a.type === 'commit' ? 'commit' : a.rows))
}

describe('createBatcher', () => {
  it('splits statements by bytes and by row count', () => {
    expect(run([40, 40, 40, 40, 40], { table, maxAllowedPacket: 1000, maxStatementBytes: 100 })).toEqual([
      [0, 1],
      [2, 3],
      [4],
      'commit',
    ])
    expect(run([1, 1, 1, 1, 1], { table, maxAllowedPacket: 1000, maxRowsPerStatement: 2 })).toEqual([
      [0, 1],
      [2, 3],
      [4],
      'commit',
    ])
  })

  it('counts the statement overhead and is capped by max_allowed_packet', () => {
    expect(
      run([40, 40, 40], { table, maxAllowedPacket: 1000, maxStatementBytes: 100, statementOverheadBytes: 20 }),
    ).toEqual([[0, 1], [2], 'commit'])
    // The packet is smaller than the configured statement size, so it wins.
    expect(run([40, 40, 40], { table, maxAllowedPacket: 90, maxStatementBytes: 1_000_000 })).toEqual([
      [0, 1],
      [2],
      'commit',
    ])
  })

  it('commits before a statement would overflow the transaction', () => {
    const limits = { table, maxAllowedPacket: 1000, maxStatementBytes: 100, maxTransactionBytes: 200 }
    expect(run([60, 60, 60, 60, 60, 60, 60], limits)).toEqual([
      [0],
      [1],
      [2],
      'commit',
      [3],
      [4],
      [5],
      'commit',
      [6],
      'commit',
    ])
  })

  it('sends a row larger than the statement limit alone', () => {
    expect(run([10, 500, 10], { table, maxAllowedPacket: 1000, maxStatementBytes: 100 })).toEqual([
      [0],
      [1],
      [2],
      'commit',
    ])
  })

  it('refuses a row larger than max_allowed_packet, naming table and key', () => {
    const batcher = createBatcher<string>({ table, maxAllowedPacket: 100, statementOverheadBytes: 10 })
    expect(batcher.push('ok', 90)).toEqual([])
    expect(() => batcher.push('big', 91, () => 'id=42')).toThrow(
      expect.objectContaining({
        code: 'LOAD_ROW_TOO_LARGE',
        message: expect.stringMatching(/shop\.orders \(key id=42\)/),
      }),
    )
  })

  it('has sensible defaults and an empty finish does nothing', () => {
    const batcher = createBatcher<number>({ table, maxAllowedPacket: 64 * 1024 * 1024 })
    for (let i = 0; i < 5000; i++) expect(batcher.push(i, 100)).toEqual([])
    const next = batcher.push(5000, 100) // the 5001st row starts a new statement
    expect(next).toHaveLength(1)
    expect(next[0]).toMatchObject({ type: 'statement', bytes: 500_000 })
    expect(batcher.finish().map((a) => a.type)).toEqual(['statement', 'commit'])
    expect(batcher.finish()).toEqual([])
  })
})
