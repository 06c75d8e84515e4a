/**
 * Statements sent as bytes (connect/rawQuery.ts) keep the session's query timeout: a server that does not
 * answer in time fails the statement with PROTOCOL_SEQUENCE_TIMEOUT and the connection is closed, instead of
 * waiting forever; server errors come back with their errno. `runLong` (index builds, replicated ALTERs) has no
 * timeout at all. `loadLocalRaw` sends a LOCAL INFILE's pieces as packets, hands every piece back, and ends
 * the file early (keeping the session usable) when its feed fails.
 */
import { createHash } from 'node:crypto'
import { describe, expect, it } from 'vitest'
import { connectionSchema } from '../../src/shared/domain/connection'
import { openSession } from '../../src/main/engine/connect/openSession'
import { executeRaw, infileHeadroom, loadLocalRaw } from '../../src/main/engine/connect/rawQuery'
import type { SqlSession } from '../../src/main/engine/connect/session'
import { closeScratchDatabase, connectTarget, targetServerOf, uniqueName } from '../harness/servers'

describe.each(['mariadb', 'tidb'] as const)('against a %s target', (kind) => {
  const session = (queryTimeoutMs: number) => {
    const admin = targetServerOf(kind)
    const profile = connectionSchema.parse({ ...admin, queryTimeoutMs })
    return openSession(profile, 'target')
  }
  /** `SELECT n AS v` through a session: TiDB answers a constant in the text protocol as a string. */
  const one = async (s: SqlSession, n: number) => Number((await s.query<{ v: unknown }>(`SELECT ${n} AS v`))[0]!.v)

  describe('executeRaw', () => {
    it('answers OK statements and reports server errors with their errno', async () => {
      const s = await session(10_000)
      try {
        await executeRaw(s, Buffer.from('DO 1 + 1'))
        const error = await executeRaw(s, Buffer.from('DO no_such_function()')).then(
          () => null,
          (e: { errno?: number }) => e,
        )
        // MariaDB: no such function (1305); TiDB resolves the name against the current database first (1046).
        expect(error?.errno).toBe(kind === 'tidb' ? 1046 : 1305)
        // The session is still usable after a statement error.
        expect(await one(s, 7)).toBe(7)
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
        expect(await one(again, 1)).toBe(1)
      } finally {
        await again.close()
      }
    })
  })

  describe('loadLocalRaw', () => {
    /** A piece as loadLocalRaw wants it: the header's place, then the lines. */
    const piece = (lines: string[]) =>
      Buffer.concat([Buffer.alloc(infileHeadroom), Buffer.from(lines.join(''), 'latin1')])
    /** Runs `body` with a fresh target table `${db}.t (id INT PRIMARY KEY, v …)` and a session for the load. */
    async function withTable(
      valueType: string,
      body: (db: string, admin: Awaited<ReturnType<typeof connectTarget>>, s: SqlSession) => Promise<void>,
    ): Promise<void> {
      const db = uniqueName('infile')
      const admin = await connectTarget(undefined, kind)
      await admin.query(`CREATE DATABASE ${db}`)
      await admin.query(`CREATE TABLE ${db}.t (id INT PRIMARY KEY, v ${valueType})`)
      const s = await session(10_000)
      try {
        await body(db, admin, s)
      } finally {
        await s.close().catch(() => undefined)
        await closeScratchDatabase(db, admin)
      }
    }
    const loadSql = (table: string) =>
      `LOAD DATA LOCAL INFILE 'x' INTO TABLE ${table} CHARACTER SET binary FIELDS TERMINATED BY '\\t' (id, v)`

    it('loads every piece (one of them larger than a packet slice) and hands each piece back', async () => {
      await withTable('LONGTEXT', async (db, admin, s) => {
        // Larger than a 4 MiB packet slice; within TiDB's 6 MiB txn-entry-size-limit.
        const big = 'x'.repeat((kind === 'tidb' ? 5 : 9) * 1024 * 1024 + 17)
        const pieces = [
          piece(Array.from({ length: 1000 }, (_, i) => `${i}\tv${i}\n`)),
          piece([`1000\t${big}\n`]),
          piece([]),
          piece(['1001\tlast\n']),
        ]
        async function* feed() {
          yield* pieces
        }
        const handedBack: Buffer[] = []
        const answer = await loadLocalRaw(s, loadSql(`${db}.t`), feed(), (p) => handedBack.push(p))
        expect(answer).toEqual({ rows: 1002, warnings: 0 })
        expect(handedBack).toHaveLength(pieces.length)
        expect(new Set(handedBack)).toEqual(new Set(pieces))
        const [got] = (await admin.query(`SELECT id, MD5(v) AS digest FROM ${db}.t ORDER BY id`)) as unknown as [
          { id: number; digest: string }[],
        ]
        const values = [...Array.from({ length: 1000 }, (_, i) => `v${i}`), big, 'last']
        const md5 = (v: string) => createHash('md5').update(v).digest('hex')
        expect(got).toEqual(values.map((v, id) => ({ id, digest: md5(v) })))
        expect(await one(s, 1)).toBe(1)
      })
    })

    it('ends the file when its feed fails, rejects with that error, and keeps the session usable', async () => {
      await withTable('TEXT', async (db, admin, s) => {
        async function* feed() {
          yield piece(['1\ta\n', '2\tb\n'])
          throw new Error('the source went away')
        }
        await expect(loadLocalRaw(s, loadSql(`${db}.t`), feed())).rejects.toThrow('the source went away')
        expect(await one(s, 1)).toBe(1)
        // A statement error (no such table) comes back as the server's, before any piece is asked for.
        let asked = false
        async function* unused() {
          asked = true
          yield piece(['1\ta\n'])
        }
        await expect(loadLocalRaw(s, loadSql(`${db}.missing`), unused())).rejects.toMatchObject({ errno: 1146 })
        expect(asked).toBe(false)
        expect(await one(s, 2)).toBe(2)
      })
    })

    it('fails, without hanging, when the connection is killed mid-file', async () => {
      await withTable('TEXT', async (db, admin, s) => {
        const [who] = (await s.raw.query('SELECT CONNECTION_ID() AS id')) as unknown as [{ id: number }[]]
        let n = 0
        // MariaDB ends the statement at the KILL; TiDB takes the file to its end first (a writer's chunk is
        // finite), so the feed stops after 100 k rows there.
        const rows = kind === 'tidb' ? 100_000 : Infinity
        async function* feed() {
          while (n < rows) {
            yield piece(Array.from({ length: 2000 }, () => `${n++}\tsome text\n`))
            if (n === 20_000) await admin.query(`KILL ${who[0]!.id}`)
            await new Promise((r) => setTimeout(r, 1))
          }
        }
        const started = Date.now()
        const error = await loadLocalRaw(s, loadSql(`${db}.t`), feed()).then(
          () => null,
          (e: Error) => e,
        )
        expect(n).toBeGreaterThanOrEqual(20_000)
        expect(error?.message).toMatch(/Connection lost|closed|ECONNRESET|EPIPE|killed|Query execution was interrupted/)
        expect(Date.now() - started).toBeLessThan(20_000)
        // Nothing of the killed statement is kept.
        const [count] = (await admin.query(`SELECT COUNT(*) AS n FROM ${db}.t`)) as unknown as [{ n: number }[]]
        expect(Number(count[0]!.n)).toBe(0)
      })
    })
  })
})
