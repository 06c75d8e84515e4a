/**
 * A replicated DDL the target refuses (or that has no faithful form there) stops the job and waits for the DBA:
 * `cutover skip-ddl` skips it, `cutover replace-ddl` runs their statements in its place, at exactly that binlog
 * position when the job resumes; both are recorded in the job's log.
 */
import { mkdtempSync, rmSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import type { Connection } from 'mysql2/promise'
import { afterAll, beforeAll, expect, it } from 'vitest'
import { ddlDecisionCommand } from '../../src/main/cli/commands/ddlDecision'
import {
  openScratchDatabase,
  closeScratchDatabase,
  sourceServer,
  targetKind,
  targetServer,
  uniqueName,
} from '../harness/servers'
import { expectSameTables, runJob, waitForStage } from './replicationFixture'

const db = uniqueName('ddldecide')
const dir = mkdtempSync(join(tmpdir(), 'cutover-ddl-'))
let source: Connection
let target: Connection

beforeAll(async () => {
  ;({ source, target } = await openScratchDatabase(db))
  await source.query(`CREATE TABLE \`${db}\`.t (id INT PRIMARY KEY, v INT)`)
  await source.query(`INSERT INTO \`${db}\`.t SELECT seq, seq FROM \`${db}\`.seq_1_to_200`)
})
afterAll(async () => {
  await closeScratchDatabase(db, source, target)
  rmSync(dir, { recursive: true, force: true })
})

function decide(action: 'skip' | 'replace', job: string, store: string, sql?: string[]) {
  const out: string[] = []
  const err: string[] = []
  const code = ddlDecisionCommand(action, job, { store, sql }, { out: (t) => out.push(t), err: (t) => err.push(t) })
  return { code, out: out.join(''), err: err.join('') }
}

it.runIf(targetKind() === 'tidb')(
  'skips a refused DDL and replaces one that has no faithful form',
  async () => {
    const store = join(dir, 'jobs.db')
    const config = {
      name: 'ddl-decision',
      source: sourceServer(),
      target: targetServer(),
      type: 'both' as const,
      objects: [db],
      spec: { concurrency: 2, exportMBps: 0 },
    }
    const first = runJob(config, {}, store)
    await waitForStage(first.store, first.jobId, 'incremental', first.run)
    expect(decide('skip', 'ddl-decision', store).code, 'nothing to skip yet').toBe(2)

    // TiDB has no Aria engine (1286): the job stops on the DDL and says what can be done.
    await source.query(`ALTER TABLE \`${db}\`.t ENGINE=Aria`)
    await source.query(`INSERT INTO \`${db}\`.t VALUES (1001, 1)`)
    expect(await first.run.done).toBe('failed')
    const stopped = first.store.getJob(first.jobId)!.lastError!
    expect(stopped.code).toBe('REPLICATE_DDL_FAILED')
    expect(stopped.workaround).toMatch(/skip this DDL, or replace it/)
    const skipped = decide('skip', 'ddl-decision', store)
    expect(skipped.code, skipped.err).toBe(0)
    expect(skipped.out).toMatch(/Skipped when "ddl-decision" resumes: the DDL at .*ENGINE=Aria/s)

    const second = first.restart()
    await second.caughtUpAfter(Date.now())
    expect(second.logs.join('\n')).toMatch(/REPLICATE_DDL_SKIPPED DDL at .* skipped, as decided/)
    expect(second.store.blockedDdl(second.jobId)).toBeNull()

    // No faithful form on TiDB: an invisible column. The DBA adds it visible instead.
    await source.query(`ALTER TABLE \`${db}\`.t ADD COLUMN inv INT INVISIBLE`)
    expect(await second.run.done).toBe('failed')
    expect(second.store.getJob(second.jobId)!.lastError!.code).toBe('REPLICATE_DDL_UNSUPPORTED')
    expect(decide('replace', 'ddl-decision', store, ['  ;']).code, 'an empty replacement is refused').toBe(2)
    const replaced = decide('replace', 'ddl-decision', store, [`ALTER TABLE \`${db}\`.t ADD COLUMN inv INT;`])
    expect(replaced.code, replaced.err).toBe(0)
    await source.query(`UPDATE \`${db}\`.t SET inv = id * 3 WHERE id < 20`)
    await source.query(`INSERT INTO \`${db}\`.t (id, v, inv) VALUES (1002, 2, 9)`)

    const third = first.restart()
    await third.caughtUpAfter(Date.now())
    third.run.pause()
    expect(await third.run.done).toBe('paused')
    const log = third.logs.join('\n')
    expect(log).toMatch(/REPLICATE_DDL_REPLACED DDL at .* replaced, as decided, by: ALTER TABLE .* ADD COLUMN inv INT/)
    const events = third.store.listEvents(third.jobId).map((e) => `${e.code} ${e.message}`)
    expect(events.filter((e) => e.startsWith('REPLICATE_DDL_DECIDED'))).toHaveLength(2)
    const sum = async (c: Connection) =>
      Number(((await c.query(`SELECT SUM(inv) AS s FROM \`${db}\`.t`)) as unknown as [{ s: string }[]])[0][0]!.s)
    expect(await sum(target)).toBe(await sum(source))
    await expectSameTables(source, target, db)
  },
  120_000,
)
