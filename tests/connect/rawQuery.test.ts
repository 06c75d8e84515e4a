/**
 * Statements sent as bytes (connect/rawQuery.ts) keep the session's query timeout: a server that does not
 * answer in time fails the statement with PROTOCOL_SEQUENCE_TIMEOUT and the connection is closed, instead of
 * waiting forever; server errors come back with their errno. `runLong` (index builds, replicated ALTERs) has no
 * timeout at all.
 */
import { describe, expect, it } from 'vitest'
import { connectionSchema } from '../../src/shared/domain/connection'
import { openSession } from '../../src/main/engine/connect/openSession'
import { executeRaw } from '../../src/main/engine/connect/rawQuery'
import { targetServer } from '../harness/servers'

const session = (queryTimeoutMs: number) => {
  const admin = targetServer()
  const profile = connectionSchema.parse({ ...admin, queryTimeoutMs })
  return openSession(profile, 'target')
}

describe('executeRaw', () => {
  it('answers OK statements and reports server errors with their errno', async () => {
    const s = await session(10_000)
    try {
      await executeRaw(s, Buffer.from('DO 1 + 1'))
      const error = await executeRaw(s, Buffer.from('DO no_such_function()')).then(
        () => null,
        (e: { errno?: number }) => e,
      )
      expect(error?.errno).toBe(1305)
      // The session is still usable after a statement error.
      expect(await s.query<{ v: number }>('SELECT 7 AS v')).toEqual([{ v: 7 }])
    } finally {
      await s.close()
    }
  })

  it('fails a statement the server does not answer within the query timeout, and drops the connection', async () => {
    const s = await session(300)
    try {
      const started = Date.now()
      const error = await executeRaw(s, Buffer.from('DO SLEEP(3)')).then(
        () => null,
        (e: { code?: string; message?: string }) => e,
      )
      expect(error?.code).toBe('PROTOCOL_SEQUENCE_TIMEOUT')
      expect(error?.message).toMatch(/within 300 ms/)
      expect(Date.now() - started).toBeLessThan(2000)
      await expect(s.query('SELECT 1')).rejects.toThrow()
    } finally {
      await s.close().catch(() => undefined)
    }
  })
})

describe('runLong', () => {
  it('runs a statement past the query timeout that query() would cut off', async () => {
    const s = await session(300)
    try {
      await expect(s.query('DO SLEEP(0.6)')).rejects.toMatchObject({ code: 'PROTOCOL_SEQUENCE_TIMEOUT' })
    } finally {
      await s.close().catch(() => undefined)
    }
    const again = await session(300)
    try {
      await again.runLong('DO SLEEP(0.6)')
      expect(await again.query<{ v: number }>('SELECT 1 AS v')).toEqual([{ v: 1 }])
    } finally {
      await again.close()
    }
  })
})
