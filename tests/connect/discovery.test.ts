/**
 * Object discovery on the shared source: 1,000 tables across two databases are listed with sizes and key
 * facts in a fixed number of queries (timed), system schemas never appear, and `objects` selections resolve
 * or fail naming the unknown names.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { connectionSchema } from '../../src/shared/domain/connection'
import { discoverObjects, resolveObjects } from '../../src/main/engine/connect/discovery'
import { openSession } from '../../src/main/engine/connect/openSession'
import { detectServer } from '../../src/main/engine/connect/serverInfo'
import type { SqlSession } from '../../src/main/engine/connect/session'
import { connectSource, sourceServer, uniqueName } from '../harness/servers'

const big = uniqueName('disc_big')
const keys = uniqueName('disc_keys')
const empty = uniqueName('disc_empty')
const TABLES = 1_000

beforeAll(async () => {
  const admin = await connectSource()
  try {
    for (const db of [big, keys, empty]) await admin.query(`CREATE DATABASE \`${db}\``)
    // multipleStatements is on for the harness connection: create the tables in batches of 100.
    for (let start = 0; start < TABLES - 5; start += 100) {
      const batch: string[] = []
      for (let i = start; i < Math.min(start + 100, TABLES - 5); i++) {
        batch.push(
          `CREATE TABLE \`${big}\`.t${String(i).padStart(4, '0')} (id INT PRIMARY KEY, v VARCHAR(20)) ENGINE=InnoDB`,
        )
      }
      await admin.query(batch.join(';'))
    }
    await admin.query(
      [
        `CREATE TABLE \`${keys}\`.pk (id BIGINT PRIMARY KEY, v INT)`,
        `CREATE TABLE \`${keys}\`.uk_not_null (a INT NOT NULL, b INT NOT NULL, UNIQUE KEY ab (a, b))`,
        `CREATE TABLE \`${keys}\`.uk_nullable (a INT NOT NULL, b INT NULL, UNIQUE KEY ab (a, b))`,
        `CREATE TABLE \`${keys}\`.no_key (a INT, KEY ia (a)) ENGINE=MyISAM`,
        `CREATE TABLE \`${keys}\`.Mixed_Case (id INT PRIMARY KEY)`,
        `CREATE VIEW \`${keys}\`.a_view AS SELECT 1 AS one`,
        `INSERT INTO \`${keys}\`.pk VALUES (1, 1), (2, 2), (3, 3)`,
      ].join(';'),
    )
  } finally {
    await admin.end()
  }
}, 120_000)

afterAll(async () => {
  const admin = await connectSource()
  try {
    for (const db of [big, keys, empty]) await admin.query(`DROP DATABASE IF EXISTS \`${db}\``)
  } finally {
    await admin.end()
  }
})

async function withSession<T>(use: (session: SqlSession) => Promise<T>): Promise<T> {
  const source = sourceServer()
  const session = await openSession(connectionSchema.parse({ ...source }), 'source')
  try {
    return await use(session)
  } finally {
    await session.close()
  }
}

describe('discoverObjects', () => {
  it(`lists ${TABLES} tables in 3 queries, with key facts, never the system schemas`, async () => {
    await withSession(async (session) => {
      const info = await detectServer(session)
      let queries = 0
      const counting: SqlSession = { ...session, query: (sql, params) => (queries++, session.query(sql, params)) }
      const started = performance.now()
      const discovered = await discoverObjects(counting, info)
      const ms = Math.round(performance.now() - started)
      console.info(
        `[discovery] ${discovered.databases.reduce((n, d) => n + d.tables.length, 0)} tables in ${ms} ms, ${queries} queries`,
      )
      expect(queries).toBe(3)

      const names = discovered.databases.map((d) => d.name)
      for (const hidden of ['mysql', 'information_schema', 'performance_schema', 'sys'])
        expect(names).not.toContain(hidden)
      expect(names).toContain(empty)
      expect(discovered.databases.find((d) => d.name === empty)?.tables).toEqual([])

      const bigDb = discovered.databases.find((d) => d.name === big)!
      expect(bigDb.tables).toHaveLength(TABLES - 5)
      expect(bigDb.tables.every((t) => t.hasPrimaryKey && t.engine === 'InnoDB')).toBe(true)

      const byName = Object.fromEntries(
        discovered.databases.find((d) => d.name === keys)!.tables.map((t) => [t.name, t]),
      )
      expect(Object.keys(byName).sort()).toEqual(['Mixed_Case', 'no_key', 'pk', 'uk_not_null', 'uk_nullable'])
      expect(byName.pk).toMatchObject({ hasPrimaryKey: true, hasNotNullUnique: false, engine: 'InnoDB' })
      expect(byName.pk!.dataBytes).toBeGreaterThan(0)
      expect(byName.uk_not_null).toMatchObject({ hasPrimaryKey: false, hasNotNullUnique: true })
      expect(byName.uk_nullable).toMatchObject({ hasPrimaryKey: false, hasNotNullUnique: false })
      expect(byName.no_key).toMatchObject({ hasPrimaryKey: false, hasNotNullUnique: false, engine: 'MyISAM' })
    })
  })
})

describe('resolveObjects', () => {
  it('resolves all, a database, a table; rejects unknown names with case hints', async () => {
    await withSession(async (session) => {
      const discovered = await discoverObjects(session, await detectServer(session))
      const all = resolveObjects(discovered, 'all')
      expect(all.length).toBeGreaterThanOrEqual(TABLES)
      expect(all.some((t) => t.schema === 'mysql')).toBe(false)

      const picked = resolveObjects(discovered, [keys, `${big}.t0001`, `${keys}.pk`])
      expect(picked.filter((t) => t.schema === keys)).toHaveLength(5)
      expect(picked.filter((t) => t.schema === big)).toEqual([{ schema: big, table: 't0001' }])

      let error: unknown = null
      try {
        resolveObjects(discovered, [`${keys}.mixed_case`, 'nope', 'mysql.user'])
      } catch (e) {
        error = e
      }
      expect(error).toMatchObject({ code: 'OBJECTS_NOT_FOUND' })
      expect((error as Error).message).toContain(`"${keys}.mixed_case", "nope", "mysql.user"`)
      expect((error as { workaround: string }).workaround).toContain(`"${keys}.mixed_case" → "${keys}.Mixed_Case"`)
    })
  })
})
