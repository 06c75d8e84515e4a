/**
 * A physical-mode job SIGKILLed mid-copy recognises its own partial data when it is run again: `cutover precheck`
 * and `cutover run` of the same file pass downstream_table_empty, the run finishes, and the tables end equal to
 * the source. Another job into the same, now non-empty, tables is still refused, with a fix it would accept.
 */
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import type { Connection } from 'mysql2/promise'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { openJobStore } from '../../src/main/store/jobStore'
import { closeScratchDatabase, openScratchDatabase, sourceServer, targetServerOf, uniqueName } from '../harness/servers'
import { compareTable } from '../harness/tableComparison'
import { runCli } from '../cli/cliProcess'

describe('physical mode: kill -9 mid-copy, then the same job again', () => {
  const db = uniqueName('physresume')
  const dir = mkdtempSync(join(tmpdir(), 'cutover-physresume-'))
  let source: Connection
  let target: Connection
  const s = () => sourceServer()
  const t = () => targetServerOf('tidb')
  const env = () => ({
    CUTOVER_SOURCE_PASSWORD: s().password,
    CUTOVER_TARGET_PASSWORD: t().password,
    CUTOVER_CHUNK_BYTES: String(256 * 1024),
  })
  const jobFile = (name: string, mode = 'physical') => {
    const path = join(dir, `${name}.yaml`)
    writeFileSync(
      path,
      [
        `name: ${name}`,
        `source: { host: 127.0.0.1, port: ${s().port}, user: ${s().user} }`,
        `target: { host: 127.0.0.1, port: ${t().port}, user: ${t().user} }`,
        'type: existing',
        `mode: ${mode}`,
        `objects: [${db}]`,
        // Slow enough (about 8 s) to be killed in the middle even on a starved CPU.
        'spec: { concurrency: 2, exportMBps: 2 }',
      ].join('\n'),
    )
    return path
  }

  beforeAll(async () => {
    ;({ source, target } = await openScratchDatabase(db, 'tidb'))
    await source.query(`CREATE TABLE \`${db}\`.orders (id BIGINT PRIMARY KEY, customer VARCHAR(40), note TEXT)`)
    await source.query(
      `INSERT INTO \`${db}\`.orders SELECT seq, CONCAT('customer ', seq % 977), REPEAT('x', 150 + seq % 50) FROM \`${db}\`.seq_1_to_60000`,
    )
    await source.query(`CREATE TABLE \`${db}\`.events (at DATETIME, what VARCHAR(200))`)
    await source.query(
      `INSERT INTO \`${db}\`.events SELECT '2024-01-01' + INTERVAL seq MINUTE, REPEAT('e', seq % 200) FROM \`${db}\`.seq_1_to_30000`,
    )
    // Row estimates the chunk planner reads: without them a fresh table may be planned as a single chunk.
    await source.query(`ANALYZE TABLE \`${db}\`.orders, \`${db}\`.events`)
  })
  afterAll(async () => {
    await closeScratchDatabase(db, source, target)
    rmSync(dir, { recursive: true, force: true })
  })

  // Killed while the first chunks are in flight (none committed), and with about half of the chunks done.
  const killPoints = [
    { label: 'first chunks in flight', doneFraction: 0 },
    { label: 'half the chunks done', doneFraction: 0.5 },
  ]
  for (const [i, point] of killPoints.entries()) {
    it(`resumes after a kill with ${point.label}: precheck and run pass, tables equal`, async () => {
      await target.query(`DROP DATABASE IF EXISTS \`${db}\``)
      const name = `physresume-${i}`
      const file = jobFile(name)
      const storePath = join(dir, `store-${i}.db`)
      const args = ['run', file, '--store', storePath, '--accept-warnings']
      const first = runCli(args, env())
      const chunks = () => {
        const store = openJobStore(storePath)
        try {
          return store.listChunks(store.findJobByName(name)?.id ?? '')
        } finally {
          store.close()
        }
      }
      for (let n = 0; n < 2400; n++) {
        await new Promise((r) => setTimeout(r, 25))
        try {
          const c = chunks()
          const done = c.filter((x) => x.state === 'done').length
          if (c.some((x) => x.state === 'started') && done >= Math.max(0, Math.floor(c.length * point.doneFraction)))
            break
        } catch {
          // The store is not created yet.
        }
      }
      first.kill()
      expect(await first.exited).toBeNull()
      const afterKill = chunks()
      expect(
        afterKill.some((c) => c.state !== 'done'),
        'killed before the end',
      ).toBe(true)
      const [[rows]] = (await target.query(
        `SELECT (SELECT COUNT(*) FROM \`${db}\`.orders) + (SELECT COUNT(*) FROM \`${db}\`.events) AS n`,
      )) as unknown as [[{ n: string }]]

      const precheck = runCli(['precheck', file, '--store', storePath], env())
      expect(await precheck.exited, precheck.output()).toBe(0)
      expect(precheck.output()).not.toContain('downstream_table_empty: Physical mode needs empty')

      const second = runCli(args, env())
      expect(await second.exited, `${rows.n} rows on the target after the kill\n${second.output()}`).toBe(0)
      for (const table of ['orders', 'events']) {
        const diff = await compareTable(source, target, db, table)
        expect(diff.firstDifference, table).toBeNull()
        expect(diff.targetRows, table).toBe(diff.sourceRows)
        expect(diff.targetChecksum, table).toBe(diff.sourceChecksum)
      }
    }, 180_000)
  }

  it('refuses another physical job into the same non-empty tables, offering a fix that job accepts', async () => {
    const storePath = join(dir, `store-${killPoints.length - 1}.db`)
    const other = runCli(['run', jobFile('physresume-other'), '--store', storePath, '--accept-warnings'], env())
    expect(await other.exited, other.output()).toBe(2)
    expect(other.output()).toMatch(/precheck FAILED\s+downstream_table_empty: Physical mode needs empty target tables/)
    expect(other.output()).toContain(`TRUNCATE TABLE \`${db}\`.\`orders\`;`)
    expect(other.output()).toContain('or set mode: logical in the job file')
    // The fix it names works: the same job file with mode: logical passes the precheck.
    const logical = runCli(['precheck', jobFile('physresume-other', 'logical'), '--store', storePath], env())
    expect(await logical.exited, logical.output()).toBe(0)
  }, 120_000)
})
