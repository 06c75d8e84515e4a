/**
 * The copy's hot path against real servers: rows read as raw packets and written as byte statements built in
 * reused buffers. Rows of every size around the statement limit must land exactly (a row that does not fit
 * opens the next statement; a row larger than a statement but within max_allowed_packet goes alone), a row
 * over max_allowed_packet stops the chunk with LOAD_ROW_TOO_LARGE, and the reader's session stays usable
 * after a chunk stopped half way.
 */
import { createConnection } from 'mysql2/promise'
import type { Connection } from 'mysql2/promise'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { createSession } from '../../src/main/engine/connect/session'
import type { SqlSession } from '../../src/main/engine/connect/session'
import { prepareRawReads, readChunk } from '../../src/main/engine/dump/chunkReader'
import { inspectTables } from '../../src/main/engine/dump/tableInspector'
import { readForTarget } from '../../src/main/engine/dump/latin1Text'
import type { TableShape } from '../../src/main/engine/dump/tableInspector'
import { writeChunkLogical, writeChunkPhysical } from '../../src/main/engine/load/chunkWriter'
import { createThrottler } from '../../src/main/engine/throttle/throttler'
import { connectSource, connectTarget, sourceServer, targetKind, targetServer, uniqueName } from '../harness/servers'
import { compareTable } from '../harness/tableComparison'

const db = uniqueName('writer')
let source: Connection
let target: Connection
let reader: SqlSession
let writer: SqlSession
let shape: TableShape

async function session(side: 'source' | 'target'): Promise<SqlSession> {
  const server = side === 'source' ? sourceServer() : targetServer()
  const raw = await createConnection({
    ...server,
    charset: 'UTF8MB4_GENERAL_CI',
    infileStreamFactory: () => process.stdin,
  } as never)
  return createSession(raw, side)
}

// Sizes around a 1 MiB statement: many small rows, then rows of 300 KiB, 700 KiB, 1.5 MiB (alone), small again.
const small = 20_000
const sizes = [
  ...Array.from({ length: small }, (_, i) => 10 + (i % 200)),
  300_000,
  700_000,
  400_000,
  1_500_000,
  20,
  700_000,
  5,
]

beforeAll(async () => {
  source = await connectSource()
  target = await connectTarget()
  await source.query(`CREATE DATABASE \`${db}\``)
  await target.query(`CREATE DATABASE \`${db}\``)
  // No key: REPLACE then inserts, so a row sent twice (or lost) at a statement boundary shows in the comparison.
  const ddl = `CREATE TABLE \`${db}\`.t (id INT NOT NULL, v LONGBLOB, note VARCHAR(20) CHARACTER SET latin1)`
  await source.query(ddl)
  await target.query(ddl)
  for (let i = 0; i < sizes.length; i += 500) {
    const rows = sizes.slice(i, i + 500).map((n, j) => [i + j + 1, Buffer.alloc(n, (i + j) % 256), `é${i + j}\t'\\`])
    await source.query(`INSERT INTO \`${db}\`.t VALUES ?`, [rows])
  }
  reader = await session('source')
  // Inspected before the session switches to raw (binary) results, as the job does on its control session.
  // As the job reads them for this target (latin1 text as UTF-8 for TiDB).
  shape = readForTarget((await inspectTables(reader, [{ schema: db, name: 't' }]))[0]!, targetKind() === 'tidb')
  await prepareRawReads(reader)
  writer = await session('target')
  await writer.query("SET SESSION sql_mode = 'NO_AUTO_VALUE_ON_ZERO,NO_ENGINE_SUBSTITUTION'")
})

afterAll(async () => {
  await reader?.close()
  await writer?.close()
  await source?.query(`DROP DATABASE IF EXISTS \`${db}\``)
  await target?.query(`DROP DATABASE IF EXISTS \`${db}\``)
  await source?.end()
  await target?.end()
})

function options(maxAllowedPacket: number) {
  const written = { rows: 0, bytes: 0 }
  return {
    written,
    value: {
      table: shape.table,
      columns: shape.columns,
      read: (onRow: Parameters<typeof readChunk>[5]) =>
        readChunk(reader, shape.table, shape.columns, shape.key, { index: 0, lower: null, upper: null }, onRow),
      throttler: createThrottler(0),
      signal: new AbortController().signal,
      maxAllowedPacket,
      onCommitted: () => undefined,
      onWritten: (rows: number, bytes: number) => {
        written.rows += rows
        written.bytes += bytes
      },
    },
  }
}

describe('chunk writers on real servers', () => {
  it('logical: splits statements at row boundaries, sends an oversized row alone, and copies every byte', async () => {
    await target.query(`TRUNCATE \`${db}\`.t`)
    const { value, written } = options(64 * 1024 * 1024)
    const result = await writeChunkLogical(writer, value)
    expect(result.rows).toBe(sizes.length)
    expect(written.rows).toBe(sizes.length)
    const diff = await compareTable(source, target, db, 't')
    expect(diff.firstDifference).toBeNull()
    expect(diff.targetRows).toBe(sizes.length)
    expect(diff.targetChecksum).toBe(diff.sourceChecksum)
  })

  it('logical: a row over max_allowed_packet stops the chunk with LOAD_ROW_TOO_LARGE, the sessions stay usable', async () => {
    await target.query(`TRUNCATE \`${db}\`.t`)
    const { value } = options(1_000_000)
    // Values travel as their own bytes (prepared statements): the 700 KiB rows fit, the 1.5 MiB one does not.
    await expect(writeChunkLogical(writer, value)).rejects.toMatchObject({
      code: 'LOAD_ROW_TOO_LARGE',
      message: expect.stringMatching(new RegExp(`t \\(key id=${small + 4}\\)`)),
    })
    // Nothing of the failed chunk is committed, and both sessions answer the next query.
    const [[count]] = (await target.query(`SELECT COUNT(*) AS n FROM \`${db}\`.t`)) as unknown as [{ n: number }[]]
    expect(Number(count!.n)).toBe(0)
    expect(await reader.query('SELECT 1 AS one')).toEqual([{ one: 1 }])
    expect(await writer.query('SELECT 2 AS two')).toEqual([{ two: 2 }])
  })

  it('physical: the same rows through LOAD DATA LOCAL arrive identical', async () => {
    await target.query(`TRUNCATE \`${db}\`.t`)
    const { value } = options(64 * 1024 * 1024)
    const result = await writeChunkPhysical(writer, value)
    expect(result.rows).toBe(sizes.length)
    const diff = await compareTable(source, target, db, 't')
    expect(diff.firstDifference).toBeNull()
  })
})
