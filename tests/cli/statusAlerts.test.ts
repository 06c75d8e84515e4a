/**
 * `cutover status` shows the alerts in force that the store alone decides: a job paused longer than the stored
 * threshold, counted from its stored status time (the job was paused 7 h ago by an earlier process).
 */
import { mkdtempSync, rmSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import Database from 'better-sqlite3'
import { afterAll, describe, expect, it } from 'vitest'
import { openJobStore } from '../../src/main/store/jobStore'
import { jobConfigSchema } from '../../src/shared/domain/job'
import { runCli } from './cliProcess'

describe('cutover status: alerts', () => {
  const dir = mkdtempSync(join(tmpdir(), 'cutover-status-alerts-'))
  const storePath = join(dir, 'cutover.db')
  afterAll(() => rmSync(dir, { recursive: true, force: true }))

  it('lists a job paused for longer than the threshold, in text and JSON, and not a job paused just now', async () => {
    const store = openJobStore(storePath)
    const job = (name: string) =>
      store.createJob(
        jobConfigSchema.parse({
          name,
          source: { host: '127.0.0.1', port: 9, user: 'u' },
          target: { host: '127.0.0.1', port: 9, user: 'u' },
          type: 'existing',
        }),
      )
    const old = job('old_pause')
    const fresh = job('fresh_pause')
    store.updateJob(old.id, { status: 'paused' })
    store.updateJob(fresh.id, { status: 'paused' })
    store.close()
    const raw = new Database(storePath)
    const since = new Date(Date.now() - 7 * 3_600_000).toISOString()
    raw.prepare('UPDATE jobs SET status_since = ? WHERE id = ?').run(since, old.id)
    raw.close()

    const text = runCli(['status', '--store', storePath], {})
    expect(await text.exited, text.output()).toBe(0)
    expect(text.stdout()).toContain(`alert: old_pause has been paused for more than 6 h: resume it. (since ${since})`)
    expect(text.stdout().match(/alert:/g)).toHaveLength(1)

    const json = runCli(['status', 'old_pause', '--json', '--store', storePath], {})
    expect(await json.exited, json.output()).toBe(0)
    const report = JSON.parse(json.stdout()) as { alerts: { kind: string; since: string }[] }
    expect(report.alerts).toMatchObject([{ kind: 'stopped', since }])
  })
})
