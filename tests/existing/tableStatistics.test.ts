/**
 * The copy ends each table with ANALYZE TABLE, except on a TiDB target whose auto-analyze is on (the default),
 * which collects the new tables' statistics itself: there the job logs LOAD_ANALYZE_SKIPPED and analyzes
 * nothing, unless the spec says `analyze: true`. A MariaDB target is always analyzed under 'auto'.
 */
import type { Connection } from 'mysql2/promise'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import type { JobSpec } from '../../src/shared/domain/job'
import {
  closeScratchDatabase,
  openScratchDatabase,
  sourceServer,
  targetServerOf,
  uniqueName,
  type TargetKind,
} from '../harness/servers'
import { compareTable } from '../harness/tableComparison'
import { runJob } from '../replicate/replicationFixture'

const cases: { kind: TargetKind; analyze: JobSpec['analyze']; analyzed: boolean }[] = [
  { kind: 'tidb', analyze: 'auto', analyzed: false },
  { kind: 'tidb', analyze: true, analyzed: true },
  { kind: 'mariadb', analyze: 'auto', analyzed: true },
  { kind: 'mariadb', analyze: false, analyzed: false },
]

describe.each(cases)('analyze $analyze into $kind', ({ kind, analyze, analyzed }) => {
  const db = uniqueName(`stats_${kind}_${String(analyze)}`)
  let source: Connection
  let target: Connection

  beforeAll(async () => {
    ;({ source, target } = await openScratchDatabase(db, kind))
    await source.query(`CREATE TABLE \`${db}\`.t (id INT PRIMARY KEY, v VARCHAR(20), KEY (v))`)
    await source.query(
      `INSERT INTO \`${db}\`.t VALUES ${Array.from({ length: 500 }, (_, i) => `(${i}, 'v${i % 37}')`).join(',')}`,
    )
  })
  afterAll(async () => {
    await closeScratchDatabase(db, source, target)
  })

  it(analyzed ? 'analyzes the copied table' : 'leaves the statistics to the target', async () => {
    const job = runJob({
      name: `stats-${kind}-${String(analyze)}`,
      source: sourceServer(),
      target: targetServerOf(kind),
      type: 'existing',
      objects: [db],
      spec: { concurrency: 2, exportMBps: 0, analyze },
    })
    const log = job.logs.join('\n')
    expect(await job.run.done, log).toBe('finished')
    const logs = job.logs.join('\n')
    expect(logs.includes('LOAD_TABLE_ANALYZED'), logs).toBe(analyzed)
    expect(logs.includes('LOAD_ANALYZE_SKIPPED'), logs).toBe(!analyzed)
    if (kind === 'tidb' && !analyzed) expect(logs).toMatch(/tidb_enable_auto_analyze/)
    const diff = await compareTable(source, target, db, 't')
    expect(diff.firstDifference).toBeNull()
    expect(diff.targetRows).toBe(500)
  })
})
