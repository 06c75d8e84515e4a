/**
 * kill -9 during sync, then run again: the job runs in a child process that is SIGKILLed while the source keeps
 * writing; the restarted job finds the stored status still 'running', replays from its checkpoint in safe mode,
 * and every (keyed) table ends identical; continuous validation, on in both runs, finds no difference.
 */
import { spawn, type ChildProcess } from 'node:child_process'
import { mkdtempSync, rmSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { createInterface } from 'node:readline'
import type { Connection } from 'mysql2/promise'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { jobConfigSchema } from '../../src/shared/domain/job'
import { openJobStore } from '../../src/main/store/jobStore'
import { connectSource, connectTarget, sourceServer, targetServer, uniqueName } from '../harness/servers'
import { expectSameTables, runJob } from './replicationFixture'

describe('kill -9 during incremental sync', () => {
  const db = uniqueName('kill9')
  const dir = mkdtempSync(join(tmpdir(), 'cutover-kill9-'))
  let source: Connection
  let target: Connection
  let writer: Connection
  let child: ChildProcess | null = null

  beforeAll(async () => {
    source = await connectSource()
    target = await connectTarget()
    writer = await connectSource()
    await source.query(`CREATE DATABASE \`${db}\``)
    await source.query(`CREATE TABLE \`${db}\`.acct (id INT PRIMARY KEY, balance BIGINT NOT NULL, note VARCHAR(40))`)
    await source.query(
      `CREATE TABLE \`${db}\`.tag (id INT AUTO_INCREMENT PRIMARY KEY, acct INT NOT NULL, label VARCHAR(20) NOT NULL, UNIQUE KEY (acct, label))`,
    )
    await source.query(
      `INSERT INTO \`${db}\`.acct VALUES ${Array.from({ length: 500 }, (_, i) => `(${i}, 1000, 'n')`).join(',')}`,
    )
  })
  afterAll(async () => {
    if (child && child.exitCode === null && child.signalCode === null) child.kill('SIGKILL')
    await source?.query(`DROP DATABASE IF EXISTS \`${db}\``)
    await target?.query(`DROP DATABASE IF EXISTS \`${db}\``)
    await Promise.all([source?.end(), target?.end(), writer?.end()])
    rmSync(dir, { recursive: true, force: true })
  })

  // The child transpiles the engine with jiti first; on a loaded 2-core machine that alone takes many seconds.
  it('loses nothing and ends identical', { timeout: 240_000 }, async () => {
    const input = {
      name: 'kill9',
      source: sourceServer(),
      target: targetServer(),
      type: 'both' as const,
      objects: [db],
      // Its pending rows are in the store when the process dies; the replay notes the rest again.
      spec: { continuousValidation: true },
    }
    const storePath = join(dir, 'jobs.db')
    const store = openJobStore(storePath)
    const jobId = store.createJob(jobConfigSchema.parse(input)).id
    store.close()

    let stop = false
    let n = 0
    const load = (async () => {
      while (!stop) {
        n++
        await writer.query('START TRANSACTION')
        await writer.query(`UPDATE \`${db}\`.acct SET balance = balance - 1 WHERE id = ?`, [n % 500])
        await writer.query(`UPDATE \`${db}\`.acct SET balance = balance + 1, note = ? WHERE id = ?`, [
          `t${n}`,
          (n * 7) % 500,
        ])
        await writer.query(
          `INSERT INTO \`${db}\`.acct VALUES (?, 0, 'new') ON DUPLICATE KEY UPDATE balance = balance + 5`,
          [500 + (n % 300)],
        )
        await writer.query(`INSERT IGNORE INTO \`${db}\`.tag (acct, label) VALUES (?, ?)`, [n % 50, `l${n % 13}`])
        if (n % 5 === 0) await writer.query(`DELETE FROM \`${db}\`.acct WHERE id = ?`, [500 + ((n * 3) % 300)])
        if (n % 7 === 0) await writer.query(`DELETE FROM \`${db}\`.tag WHERE acct = ? LIMIT 1`, [n % 50])
        await writer.query('COMMIT')
      }
    })()

    child = spawn(
      process.execPath,
      [join('node_modules', '.bin', 'jiti'), join('tests', 'replicate', 'jobProcess.ts'), storePath, jobId],
      {
        env: { ...process.env, CUTOVER_TEST_CONFIG: JSON.stringify(input) },
        stdio: ['ignore', 'pipe', 'inherit'],
      },
    )
    const lines = createInterface({ input: child.stdout! })
    let appliedSome = false
    await new Promise<void>((resolve, reject) => {
      const timer = setTimeout(() => reject(new Error('the child never reached incremental apply')), 150_000)
      lines.on('line', (line) => {
        const msg = JSON.parse(line) as { progress?: { stage: string; rows: number }; outcome?: string }
        if (msg.outcome) reject(new Error(`child ended: ${line}`))
        if (msg.progress?.stage === 'incremental' && msg.progress.rows > 0 && !appliedSome) {
          appliedSome = true
          clearTimeout(timer)
          resolve()
        }
      })
    })
    // Mid-sync, with writes flowing: no chance to checkpoint or clean up.
    await new Promise((r) => setTimeout(r, 700))
    child.kill('SIGKILL')
    await new Promise((r) => child!.once('exit', r))
    await new Promise((r) => setTimeout(r, 500))
    stop = true
    await load
    expect(n).toBeGreaterThan(10)

    const reopened = openJobStore(storePath)
    expect(reopened.getJob(jobId)?.status).toBe('running')
    const again = runJob(input, {}, storePath, { store: reopened, jobId })
    await again.caughtUpAfter(Date.now(), 60_000)
    const deadline = Date.now() + 60_000
    while ((reopened.continuousValidation(jobId)?.pending ?? 1) > 0) {
      if (Date.now() > deadline) throw new Error(`rows still pending: ${JSON.stringify(reopened.continuousValidation(jobId))}`)
      await new Promise((r) => setTimeout(r, 200))
    }
    const continuous = reopened.continuousValidation(jobId)!
    expect(continuous.failed, JSON.stringify(continuous.failedRows)).toBe(0)
    expect(continuous.checked).toBeGreaterThan(0)
    again.run.pause()
    expect(await again.run.done).toBe('paused')
    expect(again.logs.join('\n')).toMatch(/safe mode on \(the previous run stopped abruptly\)/)
    await expectSameTables(source, target, db, ['acct', 'tag'])
    reopened.close()
  })
})
