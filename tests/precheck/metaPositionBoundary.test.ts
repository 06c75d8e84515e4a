/**
 * A start position that is not an event boundary must fail meta_position even when the bytes found there
 * happen to read as an event header (row data, a blob, the middle of another event's header): the dump
 * probe proves the position only with an event that really begins there.
 */
import { readFileSync } from 'node:fs'
import { join } from 'node:path'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { runPrecheck } from '../../src/main/engine/precheck/precheckRunner'
import { startMariaDb, targetServer, type MariaDbServer } from '../harness/servers'
import { item, jobFor } from './fixtures'

const MARKER = Buffer.from('cutover-fake-event-marker')

/** 19 bytes that parse as a header: a plausible type, server id and size, and a next position that is not its end. */
function fakeEvent(size: number): Buffer {
  const event = Buffer.alloc(size, 0x61)
  event.writeUInt32LE(1_700_000_000, 0) // timestamp
  event.writeUInt8(5, 4) // INTVAR_EVENT
  event.writeUInt32LE(1, 5) // server id
  event.writeUInt32LE(size, 9) // event size
  event.writeUInt32LE(123_456, 13) // next position, not where this event ends
  event.writeUInt16LE(0, 17) // flags
  return event
}

describe('meta_position at a position that is not an event boundary', () => {
  let source: MariaDbServer
  /** The position between the two inserts: an event boundary with events after it. */
  let between: { File: string; Position: string }

  beforeAll(async () => {
    source = await startMariaDb({ binlog: { format: 'ROW', rowImage: 'FULL', rowMetadata: 'FULL' } })
    await source.query('CREATE DATABASE boundary')
    await source.query('CREATE TABLE boundary.t (id INT PRIMARY KEY, b BLOB)')
    await source.query('INSERT INTO boundary.t VALUES (1, ?)', [Buffer.concat([MARKER, fakeEvent(64), MARKER])])
    ;[between] = (await source.query('SHOW MASTER STATUS')) as unknown as [typeof between]
    await source.query('INSERT INTO boundary.t VALUES (2, REPEAT("z", 3000))')
  })

  afterAll(async () => {
    await source?.stop()
  })

  const job = (file: string, position: number) =>
    jobFor(source.connectionOptions(), targetServer(), {
      type: 'incremental',
      objects: ['boundary.t'],
      start: { file, position },
    })

  it('fails a position inside row data that reads as an event header', async () => {
    const [status] = (await source.query('SHOW MASTER STATUS')) as unknown as [typeof between]
    const file = status!.File
    const bytes = readFileSync(join(source.dataDir, file))
    const position = bytes.indexOf(MARKER) + MARKER.length
    expect(position).toBeGreaterThan(MARKER.length)

    const inside = item(await runPrecheck(job(file, position)), 'meta_position')
    expect(inside.status, inside.message).toBe('failed')
    expect(inside.message).toContain(`${file}:${position}`)
    expect(inside.message).toContain('inside another event')
    expect(inside.actions?.map((a) => a.kind === 'setting' && a.setting)).toEqual(['start', 'type'])

    // Boundaries pass: the start of the file, one between transactions with events after it, and the end.
    for (const boundary of [4, Number(between.Position), Number(status!.Position)]) {
      const at = item(await runPrecheck(job(file, boundary)), 'meta_position')
      expect(at.status, `${boundary}: ${at.message}`).toBe('pass')
    }
    expect(Number(between.Position)).toBeLessThan(Number(status!.Position))
  })
})
