/**
 * The app's job actions on the command line, with real processes on one store: `cutover run` copies a capped
 * table in one process while `cutover pause|rescale|delete <job>` in another asks it through the store and waits
 * for the answer; `cutover resume <job>` then finishes the paused job in its own process, equal to the source.
 */
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import type { Connection } from 'mysql2/promise'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { openJobStore } from '../../src/main/store/jobStore'
import { connectSource, connectTarget, sourceServer, targetServer, uniqueName } from '../harness/servers'
import { compareTable } from '../harness/tableComparison'
import { runCli, until } from './cliProcess'

describe('cutover pause | resume | rescale | delete <job> (two processes, one store)', () => {
  const dir = mkdtempSync(join(tmpdir(), 'cutover-control-'))
  const storePath = join(dir, 'cutover.db')
  const dbs = ['pause', 'rescale', 'delete'].map((c) => uniqueName(`control_${c}`))
  let source: Connection
  let target: Connection
  const s = sourceServer()
  const t = targetServer()
  const env = { CUTOVER_SOURCE_PASSWORD: s.password, CUTOVER_TARGET_PASSWORD: t.password }
  const rows = 40000

  beforeAll(async () => {
    source = await connectSource()
    target = await connectTarget()
    for (const db of dbs) {
      await source.query(`CREATE DATABASE \`${db}\``)
      await source.query(`CREATE TABLE \`${db}\`.events (id INT PRIMARY KEY, what VARCHAR(200))`)
      await source.query(
        `INSERT INTO \`${db}\`.events SELECT seq, REPEAT('e', 100 + seq % 100) FROM \`${db}\`.seq_1_to_${rows}`,
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

  /** A `cutover run` of a job copying `db` at 1 MB/s (about 6 MB: several seconds), once it holds the job's lease. */
  async function startRun(name: string, db: string) {
    const path = join(dir, `${name}.yaml`)
    writeFileSync(
      path,
      [
        `name: ${name}`,
        `source: { host: 127.0.0.1, port: ${s.port}, user: ${s.user} }`,
        `target: { host: 127.0.0.1, port: ${t.port}, user: ${t.user} }`,
        'type: existing',
        `objects: [${db}]`,
        'spec: { concurrency: 2, exportMBps: 1 }',
      ].join('\n'),
    )
    const run = runCli(['run', path, '--store', storePath, '--accept-warnings'], env)
    await until(() => leaseOf(name), `${name}: the run to take the lease`)
    return run
  }

  function leaseOf(name: string) {
    const store = openJobStore(storePath)
    try {
      const job = store.findJobByName(name)
      return job ? store.getLease(job.id) : null
    } finally {
      store.close()
    }
  }

  async function cli(args: string[]) {
    const run = runCli([...args, '--store', storePath], env)
    const code = await run.exited
    return { code, output: run.output(), stdout: run.stdout() }
  }

  async function expectEqual(db: string) {
    const diff = await compareTable(source, target, db, 'events')
    expect(diff.firstDifference).toBeNull()
    expect(diff.targetRows).toBe(rows)
  }

  it(
    'pauses a run of another process, which exits paused; `cutover resume` finishes it equal',
    { timeout: 240_000 },
    async () => {
      const first = await startRun('ctl-pause', dbs[0]!)
      const asked = Date.now()
      const pause = await cli(['pause', 'ctl-pause', '--json'])
      const answeredMs = Date.now() - asked
      expect(pause.code, pause.output).toBe(0)
      // The owner looks every second and stops at its next safe point; starting the command costs about a second.
      console.info(`cutover pause answered after ${answeredMs} ms`)
      expect(answeredMs).toBeLessThan(10_000)
      expect(JSON.parse(pause.stdout)).toMatchObject({
        job: 'ctl-pause',
        action: 'pause',
        status: 'paused',
        owner: { pid: first.pid },
      })
      expect(await first.exited, first.output()).toBe(130)
      expect(first.output()).toMatch(/Pause requested by process \d+ on \S+\./)
      expect(first.output()).toMatch(/Job "ctl-pause" paused/)
      expect(leaseOf('ctl-pause')).toBeNull()

      // Nothing runs it now: a second pause says so.
      const again = await cli(['pause', 'ctl-pause'])
      expect(again.code).toBe(2)
      expect(again.output).toMatch(/is not running \(it is paused\)/)

      const resume = await cli(['resume', 'ctl-pause', '--accept-warnings', '--json'])
      expect(resume.code, resume.output).toBe(0)
      const records = resume.stdout
        .trim()
        .split('\n')
        .map((line) => JSON.parse(line) as { type: string; status?: string })
      expect(records.at(-1)).toMatchObject({ type: 'result', status: 'finished' })
      await expectEqual(dbs[0]!)
    },
  )

  it(
    'rescales a run of another process: it restarts with the new concurrency and finishes equal',
    { timeout: 240_000 },
    async () => {
      const first = await startRun('ctl-rescale', dbs[1]!)
      const notOnOff = await cli(['rescale', 'ctl-rescale', '--continuous-validation', 'maybe'])
      expect(notOnOff.code).toBe(2)
      expect(notOnOff.output).toContain('--continuous-validation takes on or off, not "maybe".')
      // An existing-data job never replicates: nothing to follow.
      const notReplicating = await cli(['rescale', 'ctl-rescale', '--continuous-validation', 'on'])
      expect(notReplicating.code).toBe(2)
      expect(notReplicating.output).toContain('this job copies existing data only')
      const rescale = await cli(['rescale', 'ctl-rescale', '--concurrency', '3', '--export-mbps', '2'])
      expect(rescale.code, rescale.output).toBe(0)
      expect(rescale.output).toMatch(
        new RegExp(
          `Rescaled "ctl-rescale" to concurrency 3, export cap 2 MiB/s; it runs with them now by process ${first.pid} on`,
        ),
      )
      const text = await cli(['status', 'ctl-rescale'])
      expect(text.output).toContain('spec: concurrency 3, export cap 2 MiB/s')
      const status = await cli(['status', 'ctl-rescale', '--json'])
      expect(JSON.parse(status.stdout)).toMatchObject({
        job: { status: 'running', config: { spec: { concurrency: 3, exportMBps: 2 } } },
      })

      // The first process keeps running the job through the restart and finishes it.
      expect(await first.exited, first.output()).toBe(0)
      expect(first.output()).toMatch(/Rescale to concurrency 3 requested by process \d+/)
      expect(first.output()).toMatch(/Spec changed to concurrency 3, export cap 2 MiB\/s; the job restarts with it\./)
      expect(first.output()).toMatch(/Job "ctl-rescale" finished/)
      await expectEqual(dbs[1]!)
    },
  )

  it('deletes a run of another process (paused there first), which exits saying so', { timeout: 240_000 }, async () => {
    const first = await startRun('ctl-delete', dbs[2]!)
    const refused = await cli(['delete', 'ctl-delete'])
    expect(refused.code).toBe(2)
    expect(refused.output).toMatch(/Add --yes/)

    const deleted = await cli(['delete', 'ctl-delete', '--yes', '--json'])
    expect(deleted.code, deleted.output).toBe(0)
    expect(JSON.parse(deleted.stdout)).toMatchObject({ action: 'delete', status: 'deleted', owner: { pid: first.pid } })
    expect(await first.exited, first.output()).toBe(130)
    expect(first.output()).toMatch(/Job "ctl-delete" was deleted while it ran/)
    const jobs = await cli(['jobs', '--json'])
    expect((JSON.parse(jobs.stdout) as { name: string }[]).map((j) => j.name)).not.toContain('ctl-delete')
  })

  it('an unknown job exits 2 naming the store, in text and in JSON', async () => {
    for (const action of ['pause', 'delete', 'rescale', 'resume', 'restart']) {
      const text = await cli([action, 'no-such-job', ...(action === 'rescale' ? ['--concurrency', '2'] : [])])
      expect(text.code, `${action}: ${text.output}`).toBe(2)
      expect(text.output).toContain(`There is no job "no-such-job" in the store ${storePath}.`)
      expect(text.output).toMatch(/fix: `cutover jobs` lists the jobs in that store/)
    }
    const json = runCli(['pause', 'no-such-job', '--json', '--store', storePath], env)
    expect(await json.exited).toBe(2)
    expect(JSON.parse(json.stdout())).toMatchObject({
      job: 'no-such-job',
      action: 'pause',
      error: { code: 'JOB_NOT_FOUND' },
    })
  })

  it('lists every action in --help', async () => {
    const run = runCli(['--help'], env)
    expect(await run.exited).toBe(0)
    const help = { output: run.stdout() }
    const actions = ['run', 'pause', 'resume', 'restart', 'delete', 'rescale', 'status', 'jobs', 'validate', 'skip-ddl']
    for (const action of [...actions, 'replace-ddl', 'finish', 'report', 'precheck', 'schema-preview', 'serve']) {
      expect(help.output).toMatch(new RegExp(`^  ${action} `, 'm'))
    }
  })
})
