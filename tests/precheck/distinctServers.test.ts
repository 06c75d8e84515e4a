/**
 * source_target_distinct against real servers: a job whose target is its own MariaDB source fails the precheck;
 * the shared MariaDB target (same host, another port and data directory) and the TiDB target pass.
 */
import type { Connection } from 'mysql2/promise'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { runPrecheck } from '../../src/main/engine/precheck/precheckRunner'
import { connectSource, sourceServer, targetServerOf, uniqueName } from '../harness/servers'
import { item, jobFor } from './fixtures'

describe('precheck: source and target are different servers', () => {
  const db = uniqueName('pc_distinct')
  let source: Connection

  beforeAll(async () => {
    source = await connectSource()
    await source.query(`CREATE DATABASE \`${db}\``)
    await source.query(`CREATE TABLE \`${db}\`.t (id INT PRIMARY KEY)`)
  })
  afterAll(async () => {
    await source?.query(`DROP DATABASE IF EXISTS \`${db}\``)
    await source?.end()
  })

  it('fails a job whose target is the MariaDB source', async () => {
    const report = await runPrecheck(jobFor(sourceServer(), sourceServer(), { objects: [db] }))
    const distinct = item(report, 'source_target_distinct')
    expect(distinct.status).toBe('failed')
    expect(distinct.message).toMatch(/are the same server \(both report hostname \S+, port \d+ and datadir \S+\)/)
    expect(distinct.fix).toMatch(/Point target/)
    expect(report.summary.failed).toBeGreaterThan(0)
  })

  it('fails a job from the TiDB target to itself (cluster id, or hostname and port)', async () => {
    const tidb = targetServerOf('tidb')
    const report = await runPrecheck(jobFor(tidb, tidb, { objects: [db], type: 'existing' }))
    const distinct = item(report, 'source_target_distinct')
    expect(distinct.status).toBe('failed')
    // TiDB's server_uuid is all zeros on every cluster: never the evidence.
    expect(distinct.message).not.toContain('server_uuid')
    expect(distinct.message).toMatch(/both are TiDB cluster \d+|both report hostname \S+, port \d+/)
  })

  it('passes another MariaDB on the same host, and the TiDB target', async () => {
    for (const kind of ['mariadb', 'tidb'] as const) {
      const report = await runPrecheck(jobFor(sourceServer(), targetServerOf(kind), { objects: [db] }))
      expect(item(report, 'source_target_distinct').status, kind).toBe('pass')
    }
  })
})
