/**
 * Source binlog settings against real, deliberately misconfigured MariaDB servers: each item's failure
 * case here, its pass case on the shared source (ROW / FULL / FULL metadata).
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { runPrecheck } from '../../src/main/engine/precheck/precheckRunner'
import type { PrecheckReport } from '../../src/shared/domain/precheck'
import { sourceServer, startMariaDb, targetServer, uniqueName, type MariaDbServer } from '../harness/servers'
import { item, jobFor } from './fixtures'

describe('precheck of source binlog settings', () => {
  let bad: MariaDbServer
  let off: MariaDbServer
  let badReport: PrecheckReport
  let offReport: PrecheckReport
  let goodReport: PrecheckReport

  beforeAll(async () => {
    const started = await Promise.allSettled([
      startMariaDb({
        name: 'precheck-bad',
        binlog: { format: 'STATEMENT', rowImage: 'MINIMAL', rowMetadata: 'NO_LOG', expireSeconds: 3600 },
        extraArgs: ['--binlog-ignore-db=ignored_db', '--default-time-zone=+02:00', '--max-connections=5'],
      }),
      startMariaDb({ name: 'precheck-off', binlog: null }),
    ])
    const servers = started.flatMap((r) => (r.status === 'fulfilled' ? [r.value] : []))
    const failure = started.find((r) => r.status === 'rejected')
    if (failure) {
      await Promise.all(servers.map((s) => s.stop()))
      throw failure.reason
    }
    ;[bad, off] = servers as [MariaDbServer, MariaDbServer]
    await bad.query('CREATE DATABASE ignored_db; CREATE TABLE ignored_db.t (id INT PRIMARY KEY)')
    await off.query('CREATE DATABASE app; CREATE TABLE app.t (id INT PRIMARY KEY)')
    const shared = uniqueName('settings')
    const src = sourceServer()
    const { connectTo } = await import('../harness/servers')
    const db = await connectTo(src)
    await db.query(`CREATE DATABASE \`${shared}\`; CREATE TABLE \`${shared}\`.t (id INT PRIMARY KEY)`)
    await db.end()
    ;[badReport, offReport, goodReport] = await Promise.all([
      runPrecheck(jobFor(bad.connectionOptions(), targetServer(), { objects: ['ignored_db'], spec: { concurrency: 12 } })),
      runPrecheck(jobFor(off.connectionOptions(), targetServer(), { objects: ['app'] })),
      runPrecheck(jobFor(src, targetServer(), { objects: [shared] })),
    ])
  })

  afterAll(async () => {
    await Promise.all([bad?.stop(), off?.stop()])
  })

  it('fails binlog_format STATEMENT with the SET GLOBAL and my.cnf fix', () => {
    expect(item(badReport, 'binlog_format')).toMatchObject({ status: 'failed', message: expect.stringContaining('STATEMENT') })
    expect(item(badReport, 'binlog_format').fix).toContain("SET GLOBAL binlog_format = 'ROW';")
    expect(item(badReport, 'binlog_format').fix).toContain('binlog_format = ROW')
    expect(item(goodReport, 'binlog_format').status).toBe('pass')
  })

  it('fails binlog_row_image MINIMAL', () => {
    expect(item(badReport, 'binlog_row_image')).toMatchObject({ status: 'failed', fix: expect.stringContaining("SET GLOBAL binlog_row_image = 'FULL';") })
    expect(item(goodReport, 'binlog_row_image').status).toBe('pass')
  })

  it('warns on NO_LOG row metadata, explaining where column names then come from', () => {
    const metadata = item(badReport, 'binlog_row_metadata')
    expect(metadata.status).toBe('warning')
    expect(metadata.message).toContain('live schema')
    expect(metadata.fix).toContain("SET GLOBAL binlog_row_metadata = 'FULL';")
    expect(item(goodReport, 'binlog_row_metadata').status).toBe('pass')
  })

  it('warns on retention under a day', () => {
    expect(item(badReport, 'binlog_retention')).toMatchObject({ status: 'warning', message: expect.stringContaining('1 hours') })
    expect(item(badReport, 'binlog_retention').fix).toContain('SET GLOBAL binlog_expire_logs_seconds = 604800;')
    expect(item(goodReport, 'binlog_retention').status).toBe('pass')
  })

  it('fails a migrated database listed in binlog-ignore-db', () => {
    expect(item(badReport, 'binlog_db')).toMatchObject({ status: 'failed', message: expect.stringContaining('ignored_db') })
    expect(item(goodReport, 'binlog_db').status).toBe('pass')
  })

  it('warns when source and target time zones differ', () => {
    expect(item(badReport, 'time_zone')).toMatchObject({ status: 'warning', message: expect.stringContaining('+02:00') })
    expect(item(badReport, 'time_zone').message).toContain('TIMESTAMP values are migrated in UTC')
    expect(item(goodReport, 'time_zone').status).toBe('pass')
  })

  it('fails the source connection count when max_connections is below what the job needs', () => {
    // MariaDB raises --max-connections=5 to its minimum of 10; the job asks for 12 export threads.
    expect(item(badReport, 'conn_number_source')).toMatchObject({
      status: 'failed',
      message: 'max_connections is 10 but the job needs 14 connections.',
    })
    expect(item(goodReport, 'conn_number_source').status).toBe('pass')
    expect(item(goodReport, 'conn_number_target').status).toBe('pass')
  })

  it('fails binlog_enable when the binary log is off, and skips what cannot be checked without it', () => {
    expect(item(offReport, 'binlog_enable')).toMatchObject({ status: 'failed', fix: expect.stringContaining('log_bin = mysql-bin') })
    expect(item(offReport, 'binlog_db').status).toBe('warning')
    expect(item(offReport, 'replication_privilege').message).toContain('binary log is off')
    expect(item(goodReport, 'binlog_enable').status).toBe('pass')
  })

  it('reports server_id, GTIDs and the MariaDB-only items on a healthy source', () => {
    expect(item(goodReport, 'server_id')).toMatchObject({ status: 'pass', message: 'server_id = 1.' })
    expect(item(goodReport, 'gtid_mode')).toMatchObject({ status: 'pass', message: expect.stringContaining('gtid_binlog_pos') })
    expect(item(goodReport, 'log_bin_compress').status).toBe('pass')
    // MariaDB's default: ON, which is a size warning, not a failure.
    expect(item(goodReport, 'binlog_annotate_row_events').status).toBe('warning')
    expect(item(goodReport, 'version').status).toBe('pass')
    expect(goodReport.summary.failed).toBe(0)
    expect(goodReport.items.map((i) => i.id)).not.toContain('binlog_transaction_compression')
  })

  // MariaDB clamps server_id to at least 1, so server_id 0 is covered by the facts-level unit test.
  it('fails log_bin_compress ON, then passes once it is fixed', async () => {
    await bad.query('SET GLOBAL log_bin_compress = ON')
    try {
      const report = await runPrecheck(jobFor(bad.connectionOptions(), targetServer(), { objects: ['ignored_db'], type: 'incremental' }))
      expect(item(report, 'log_bin_compress')).toMatchObject({ status: 'failed', fix: expect.stringContaining('SET GLOBAL log_bin_compress = OFF;') })
    } finally {
      await bad.query('SET GLOBAL log_bin_compress = OFF')
    }
    const fixed = await runPrecheck(jobFor(bad.connectionOptions(), targetServer(), { objects: ['ignored_db'], type: 'incremental' }))
    expect(item(fixed, 'log_bin_compress').status).toBe('pass')
  })
})
