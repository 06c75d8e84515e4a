/**
 * One owner per job, with real `cutover run` processes (the built CLI) on one job file and store: a second run of
 * a running job is refused and names the owner; a SIGKILLed owner's job is taken over by the next run; and an
 * engine started over the store finds it interrupted, asks for the passwords it kept in memory only, and resumes.
 * Each case copies a key-less table, the kind a double copy would silently duplicate.
 */
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import type { Connection } from 'mysql2/promise'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { createEngine } from '../../src/main/engine/engine'
import { memoryOnlySecrets } from '../../src/main/engine/secretBox'
import { openJobStore } from '../../src/main/store/jobStore'
import { connectSource, connectTarget, sourceServer, targetServer, uniqueName } from '../harness/servers'
import { compareTable } from '../harness/tableComparison'
import { runCli, until } from './cliProcess'

describe('one owner per job (two cutover run processes, one store)', () => {
  const dir = mkdtempSync(join(tmpdir(), 'cutover-owner-'))
  const storePath = join(dir, 'cutover.db')
  const dbs = ['refused', 'takeover', 'resume'].map((c) => uniqueName(`owner_${c}`))
  let source: Connection
  let target: Connection
  const s = sourceServer()
  const t = targetServer()
  const env = { CUTOVER_SOURCE_PASSWORD: s.password, CUTOVER_TARGET_PASSWORD: t.password }

  beforeAll(async () => {
    source = await connectSource()
    target = await connectTarget()
    for (const db of dbs) {
      await source.query(`CREATE DATABASE \`${db}\``)
      // No primary key and no unique key: a second copy would append every row again.
      await source.query(`CREATE TABLE \`${db}\`.events (at DATETIME, what VARCHAR(200))`)
      await source.query(
        `INSERT INTO \`${db}\`.events SELECT '2024-01-01' + INTERVAL seq MINUTE, REPEAT('e', 100 + seq % 100) FROM \`${db}\`.seq_1_to_40000`,
      )
    }
  })
  afterAll(async () => {
    for (const db of dbs) {
      await source?.query(`DROP DATABASE IF EXISTS \`${db}\``)
      await target?.query(`DROP DATABASE IF EXISTS \`${db}\``)
    }
    await Promise.all([source?.end(), target?.end()])
    rmSync(dir, { recursive: true, force: true })
  })

  function jobFile(name: string, db: string): string {
    const path = join(dir, `${name}.yaml`)
    writeFileSync(
      path,
      [
        `name: ${name}`,
        `source: { host: 127.0.0.1, port: ${s.port}, user: ${s.user} }`,
        `target: { host: 127.0.0.1, port: ${t.port}, user: ${t.user} }`,
        'type: existing',
        `objects: [${db}]`,
        // The cap keeps the copy running for several seconds (about 6 MB at 1 MB/s).
        'spec: { concurrency: 2, exportMBps: 1 }',
      ].join('\n'),
    )
    return path
  }

  const lease = (name: string) => {
    const store = openJobStore(storePath)
    try {
      const job = store.findJobByName(name)
      return job ? store.getLease(job.id) : null
    } finally {
      store.close()
    }
  }

  async function expectEqual(db: string) {
    const diff = await compareTable(source, target, db, 'events')
    expect(diff.firstDifference).toBeNull()
    expect(diff.targetRows).toBe(40000)
    expect(diff.targetChecksum).toBe(diff.sourceChecksum)
  }

  it(
    'refuses a second run while the first copies, naming its pid and host; the table is copied once',
    { timeout: 240_000 },
    async () => {
      const args = ['run', jobFile('owner-refused', dbs[0]!), '--store', storePath, '--accept-warnings']
      const first = runCli(args, env)
      const held = await until(() => lease('owner-refused'), 'the first run to take the lease')
      expect(held.pid).toBe(first.pid)

      const second = runCli(args, env)
      expect(await second.exited).toBe(2)
      expect(second.output()).toMatch(new RegExp(`is being run by process ${first.pid} on host \\S+ since \\d{4}-`))
      expect(second.output()).toMatch(/fix: Let that run finish/)

      expect(await first.exited, first.output()).toBe(0)
      expect(lease('owner-refused')).toBeNull()
      await expectEqual(dbs[0]!)
    },
  )

  it('lets a new run take over from a SIGKILLed owner and finish equal', { timeout: 240_000 }, async () => {
    const args = ['run', jobFile('owner-takeover', dbs[1]!), '--store', storePath, '--accept-warnings']
    const first = runCli(args, env)
    await until(() => lease('owner-takeover'), 'the first run to take the lease')
    // Killed while copying: its lease stays in the store, held by a pid that no longer exists.
    await new Promise((r) => setTimeout(r, 1500))
    first.kill()
    expect(await first.exited).toBeNull()
    expect(lease('owner-takeover')?.pid).toBe(first.pid)

    const next = runCli(args, env)
    expect(await next.exited, next.output()).toBe(0)
    await expectEqual(dbs[1]!)
    const store = openJobStore(storePath)
    const job = store.findJobByName('owner-takeover')!
    expect(store.listEvents(job.id).map((e) => e.code)).toContain('JOB_INTERRUPTED')
    store.close()
  })

  it(
    'an engine started after its owner died finds the job interrupted, asks for its passwords, and resumes it equal',
    { timeout: 240_000 },
    async () => {
      const args = ['run', jobFile('owner-resume', dbs[2]!), '--store', storePath, '--accept-warnings']
      const first = runCli(args, env)
      await until(() => lease('owner-resume'), 'the run to take the lease')
      await new Promise((r) => setTimeout(r, 1500))
      first.kill()
      expect(await first.exited).toBeNull()

      const engine = createEngine({ store: openJobStore(storePath), secrets: memoryOnlySecrets })
      try {
        const job = engine.getJob('owner-resume')
        expect(job.status).toBe('interrupted')
        expect(job.missingSecrets).toEqual(['source.password', 'target.password'])
        expect(() => engine.startJob(job.id)).toThrow(expect.objectContaining({ code: 'JOB_SECRETS_MISSING' }))
        engine.startJob(job.id, {}, { 'source.password': s.password, 'target.password': t.password })
        expect(await engine.waitForJob(job.id)).toBe('finished')
        expect(engine.getJob(job.id).status).toBe('finished')
        expect(engine.store.getLease(job.id)).toBeNull()
      } finally {
        engine.close()
      }
      await expectEqual(dbs[2]!)
    },
  )
})
