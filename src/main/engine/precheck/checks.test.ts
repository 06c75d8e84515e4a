/**
 * Facts-level tests: the paths no server here can produce (a TiDB target, MySQL-only variables, Aurora,
 * a target without a collation). The same checks run against real MariaDB in tests/precheck.
 */
import { describe, expect, it } from 'vitest'
import { jobConfigSchema, type JobConfigInput } from '../../../shared/domain/job'
import type { ServerInfo } from '../connect/session'
import type { CheckContext, PrecheckCheck } from './check'
import { allChecks } from './checkList'
import { hasGlobal, hasOnTable, parseGrants } from './grantParser'
import type { ColumnFacts, IndexFacts, PrecheckFacts, ServerFacts, TableFacts } from './precheckFacts'
import { tableKey } from './precheckFacts'
import { precheckFixText } from '../../../shared/domain/fixWording'

const mariadb: ServerInfo = { flavor: 'mariadb', version: '10.11.19', versionString: '10.11.19-MariaDB-log', auroraRole: null, tidbVersionText: null }
const mysql8: ServerInfo = { flavor: 'mysql', version: '8.0.36', versionString: '8.0.36', auroraRole: null, tidbVersionText: null }
const tidb: ServerInfo = { flavor: 'tidb', version: '7.1.0', versionString: '8.0.11-TiDB-v7.1.0', auroraRole: null, tidbVersionText: 'Release Version: v7.1.0' }

/** What TiDB 7.1 answers to SHOW COLLATION with the new collation framework: no 0900 collations yet. */
const tidbCollations = new Map(
  ['ascii_bin', 'binary', 'gbk_bin', 'gbk_chinese_ci', 'latin1_bin', 'utf8_bin', 'utf8_general_ci', 'utf8_unicode_ci', 'utf8mb4_bin', 'utf8mb4_general_ci', 'utf8mb4_unicode_ci'].map(
    (c) => [c, c === 'binary' ? 'binary' : c.split('_')[0]!],
  ),
)
const tidbCharsets = new Map([
  ['ascii', { maxLen: 1, defaultCollation: 'ascii_bin' }],
  ['binary', { maxLen: 1, defaultCollation: 'binary' }],
  ['gbk', { maxLen: 2, defaultCollation: 'gbk_bin' }],
  ['latin1', { maxLen: 1, defaultCollation: 'latin1_bin' }],
  ['utf8', { maxLen: 3, defaultCollation: 'utf8_bin' }],
  ['utf8mb4', { maxLen: 4, defaultCollation: 'utf8mb4_bin' }],
])

function server(info: ServerInfo, variables: Record<string, string> = {}, grants: string[] = ['GRANT ALL PRIVILEGES ON *.* TO `u`@`%`']): ServerFacts {
  return { info, endpoint: 'u@h:1', variables: new Map(Object.entries(variables)), account: { user: 'u', host: '%' }, grants }
}

function column(name: string, over: Partial<ColumnFacts> = {}): ColumnFacts {
  return { name, dataType: 'int', columnType: 'int(11)', nullable: false, charset: null, collation: null, maxChars: null, maxBytes: null, extra: '', ...over }
}

function varchar(name: string, length: number, collation = 'utf8mb4_general_ci'): ColumnFacts {
  return column(name, { dataType: 'varchar', columnType: `varchar(${length})`, charset: collation.split('_')[0]!, collation, maxChars: length, maxBytes: length * 4 })
}

function table(name: string, columns: ColumnFacts[], indexes: IndexFacts[] = [], over: Partial<TableFacts> = {}): TableFacts {
  return { schema: 'shop', name, kind: 'table', engine: 'InnoDB', collation: 'utf8mb4_general_ci', charset: 'utf8mb4', avgRowLength: 100, rows: 10, columns, indexes, foreignKeys: [], ...over }
}

const pk = (col = 'id'): IndexFacts => ({ name: 'PRIMARY', unique: true, type: 'BTREE', parts: [{ column: col, subPart: null, descending: false }] })

function facts(over: Partial<PrecheckFacts> & { job?: Partial<JobConfigInput> } = {}): PrecheckFacts {
  const { job, ...rest } = over
  const config = jobConfigSchema.parse({
    name: 'unit',
    source: { host: 'src', user: 'u' },
    target: { host: 'tidb', user: 'root' },
    ...job,
  })
  return {
    config,
    source: server(mariadb, { log_bin: 'ON', binlog_format: 'ROW' }),
    target: server(tidb, { max_allowed_packet: String(64 * 1024 * 1024) }),
    schemas: [{ name: 'shop', charset: 'utf8mb4', collation: 'utf8mb4_general_ci' }],
    tables: [table('orders', [column('id')], [pk()])],
    resumedTables: new Set<string>(),
    unmatchedObjects: [],
    targetTables: new Map(),
    storedObjects: [],
    checkConstraints: [],
    targetCollations: tidbCollations,
    targetCharsets: tidbCharsets,
    targetCatalog: {
      collations: new Set(tidbCollations.keys()),
      charsets: new Set(tidbCharsets.keys()),
      defaultCollationByCharset: new Map([...tidbCharsets].map(([cs, v]) => [cs, v.defaultCollation])),
      charsetOfCollation: tidbCollations,
      maxLenByCharset: new Map([...tidbCharsets].map(([cs, v]) => [cs, v.maxLen])),
    },
    targetLimits: { maxIndexLength: 3072, txnEntrySizeLimit: 6 * 1024 * 1024, maxColumns: 1017, maxAllowedPacket: 64 * 1024 * 1024 },
    activeJobs: [],
    ...rest,
  }
}

/** Pure checks never touch the servers; a context that throws proves it. */
const noServers: CheckContext = {
  signal: new AbortController().signal,
  source: () => Promise.reject(new Error('no source in a unit test')),
  target: () => Promise.reject(new Error('no target in a unit test')),
  openDedicatedSession: () => Promise.reject(new Error('no sessions in a unit test')),
}

function check(id: string): PrecheckCheck {
  const found = allChecks.find((c) => c.id === id)
  if (!found) throw new Error(`no check ${id}`)
  return found
}

const run = (id: string, f: PrecheckFacts) => check(id).run(f, noServers)

describe('check list', () => {
  it('has unique ids and follows DM applicability by job type and mode', () => {
    const ids = allChecks.map((c) => c.id)
    expect(new Set(ids).size).toBe(ids.length)
    const applicable = (job: Partial<JobConfigInput>, servers = { source: mariadb, target: tidb }) =>
      allChecks.filter((c) => c.appliesTo(facts({ job }).config, servers)).map((c) => c.id)
    const existing = applicable({ type: 'existing' })
    expect(existing).toContain('dump_privilege')
    expect(existing).not.toContain('binlog_format')
    expect(existing).not.toContain('replication_privilege')
    const incremental = applicable({ type: 'incremental' })
    expect(incremental).toContain('binlog_format')
    expect(incremental).not.toContain('dump_privilege')
    expect(incremental).not.toContain('meta_position')
    expect(applicable({ type: 'incremental', start: { file: 'b.000001', position: 4 } })).toContain('meta_position')
    // A start position on a both job no longer reaches the checks: the job schema refuses it.
    expect(() => applicable({ type: 'both', start: { file: 'b.000001', position: 4 } })).toThrow(/applies to incremental jobs only/)
    expect(applicable({ mode: 'physical' })).toEqual(expect.arrayContaining(['downstream_table_empty', 'physical_single_job']))
    expect(applicable({})).not.toContain('downstream_table_empty')
    expect(applicable({}, { source: mariadb, target: mariadb })).not.toContain('tidb_unsupported_objects')
    expect(applicable({}, { source: mysql8, target: tidb })).toEqual(expect.arrayContaining(['binlog_transaction_compression', 'binlog_row_value_options']))
    expect(applicable({}, { source: mysql8, target: tidb })).not.toContain('log_bin_compress')
    expect(applicable({}, { source: { ...mysql8, auroraRole: 'reader' }, target: tidb })).toContain('aurora_reader')
  })
})

describe('source_target_distinct', () => {
  // Recorded from the harness: MariaDB 10.11 reports no server_uuid; hostname, port and datadir identify it.
  const maria = (port: string, datadir = '/tmp/src/data/') =>
    server(mariadb, { hostname: 'ci-runner', port, datadir, server_id: '1', log_bin: 'ON' })
  const mysqlWith = (uuid: string) =>
    server(mysql8, { hostname: 'db', port: '3306', datadir: '/var/lib/mysql/', server_uuid: uuid })

  it('fails a target that is the source, reached by another address', async () => {
    const same = await run('source_target_distinct', facts({ source: maria('33061'), target: maria('33061') }))
    expect(same.status).toBe('failed')
    expect(same.message).toContain('same server (both report hostname ci-runner, port 33061 and datadir /tmp/src/data/)')
    expect(same.fix).toMatch(/Point target/)
    const uuid = await run('source_target_distinct', facts({ source: mysqlWith('3e11fa47-71ca-11e1-9e33-c80aa9429562'), target: mysqlWith('3e11fa47-71ca-11e1-9e33-c80aa9429562') }))
    expect(uuid.message).toContain('both report server_uuid 3e11fa47-71ca-11e1-9e33-c80aa9429562')
  })

  it('passes two servers on one host, a UUID that differs despite equal names, and a MariaDB source with a TiDB target', async () => {
    expect((await run('source_target_distinct', facts({ source: maria('33061'), target: maria('33062') }))).status).toBe('pass')
    expect((await run('source_target_distinct', facts({ source: maria('3306'), target: maria('3306', '/other/data/') }))).status).toBe('pass')
    const twins = facts({ source: mysqlWith('3e11fa47-71ca-11e1-9e33-c80aa9429562'), target: mysqlWith('9b2f0a10-0000-11ef-8000-000000000001') })
    expect((await run('source_target_distinct', twins)).status).toBe('pass')
    const tidbTarget = server(tidb, { hostname: 'ci-runner', port: '33061' })
    expect((await run('source_target_distinct', facts({ source: maria('33061'), target: tidbTarget }))).status).toBe('pass')
  })

  it('fails two tidb-servers of one cluster (mysql.tidb cluster_id), whatever their hosts', async () => {
    const ctx = (clusterId: string): CheckContext => ({
      ...noServers,
      source: (async () => [{ v: clusterId }]) as CheckContext['source'],
      target: (async () => [{ v: '7368041928372640781' }]) as CheckContext['target'],
    })
    // Recorded from TiDB: every cluster reports the same all-zero server_uuid, which identifies nothing.
    const zero = '00000000-0000-0000-0000-000000000000'
    const pair = facts({
      source: server(tidb, { hostname: 'tidb-0', port: '4000', server_uuid: zero }),
      target: server(tidb, { hostname: 'tidb-1', port: '4000', server_uuid: zero }),
    })
    const same = await check('source_target_distinct').run(pair, ctx('7368041928372640781'))
    expect(same.status).toBe('failed')
    expect(same.message).toContain('both are TiDB cluster 7368041928372640781')
    expect((await check('source_target_distinct').run(pair, ctx('1'))).status).toBe('pass')
  })
})

describe('TiDB target checks', () => {
  it('fails SPATIAL columns and indexes; warns on FULLTEXT, triggers, routines, events and DESC index parts', async () => {
    const geo = table('places', [column('id'), column('pos', { dataType: 'point', columnType: 'point' })], [
      pk(),
      { name: 'sp', unique: false, type: 'SPATIAL', parts: [{ column: 'pos', subPart: 32, descending: false }] },
    ])
    const spatial = await run('tidb_unsupported_objects', facts({ tables: [geo] }))
    expect(spatial.status).toBe('failed')
    expect(spatial.message).toContain('shop.places.pos (point)')

    const text = table('posts', [column('id'), varchar('body', 200)], [
      pk(),
      { name: 'ft', unique: false, type: 'FULLTEXT', parts: [{ column: 'body', subPart: null, descending: false }] },
      { name: 'recent', unique: false, type: 'BTREE', parts: [{ column: 'id', subPart: null, descending: true }] },
    ])
    const warned = await run(
      'tidb_unsupported_objects',
      facts({
        tables: [text],
        storedObjects: [
          { kind: 'TRIGGER', schema: 'shop', name: 'audit' },
          { kind: 'PROCEDURE', schema: 'shop', name: 'refill' },
          { kind: 'EVENT', schema: 'shop', name: 'nightly' },
        ],
      }),
    )
    expect(warned.status).toBe('warning')
    for (const word of ['FULLTEXT', 'shop.audit', 'shop.refill', 'shop.nightly', 'Descending', 'recent']) expect(warned.message).toContain(word)

    expect((await run('tidb_unsupported_objects', facts())).status).toBe('pass')
  })

  it('fails table names that differ only by case', async () => {
    const result = await run('table_name_case', facts({ tables: [table('Orders', [column('id')], [pk()]), table('orders', [column('id')], [pk()])] }))
    expect(result.status).toBe('failed')
    expect(result.message).toContain('shop.Orders / shop.orders')
    expect((await run('table_name_case', facts())).status).toBe('pass')
  })

  it('warns of a collation the target lacks with exactly the rewrite the schema stage applies; fails a missing charset', async () => {
    const mysqlDefault = table('users', [column('id'), varchar('email', 100, 'utf8mb4_0900_ai_ci')], [pk()], { collation: 'utf8mb4_0900_ai_ci' })
    const result = await run('charset_collation', facts({ tables: [mysqlDefault] }))
    expect(result.status).toBe('warning')
    expect(result.message).toContain('collation utf8mb4_0900_ai_ci')
    expect(result.message).toContain('shop.users.email')
    expect(result.fix).toContain('utf8mb4_0900_ai_ci → utf8mb4_unicode_ci')

    const sensitive = table('codes', [column('id'), varchar('code', 10, 'utf8mb4_0900_as_cs'), varchar('name', 10, 'latin1_swedish_ci')], [pk()])
    const both = await run('charset_collation', facts({ tables: [sensitive] }))
    expect(both.fix).toContain('utf8mb4_0900_as_cs → utf8mb4_bin')
    expect(both.fix).toContain('latin1_swedish_ci → latin1_bin')

    const cp1251 = table('legacy', [column('id'), varchar('name', 10, 'cp1251_general_ci')], [pk()])
    const charset = await run('charset_collation', facts({ tables: [cp1251] }))
    expect(charset.status).toBe('failed')
    expect(charset.message).toContain('character set cp1251')
    expect(charset.fix).toContain('CONVERT TO CHARACTER SET utf8mb4')
    expect((await run('charset_collation', facts())).status).toBe('pass')
  })

  it('fails an index key over max-index-length, computed with the charset byte width, and suggests a prefix', async () => {
    const wide = table('pages', [column('id'), varchar('url', 1000)], [pk(), { name: 'url', unique: false, type: 'BTREE', parts: [{ column: 'url', subPart: null, descending: false }] }])
    const result = await run('target_limits', facts({ tables: [wide] }))
    expect(result.status).toBe('failed')
    expect(result.message).toContain('shop.pages.url (4000 bytes)')
    expect(result.fix).toContain('ADD INDEX `url` (`url`(768))')
    // With a prefix of 700 characters (2800 bytes) it fits.
    const prefixed = { ...wide, indexes: [pk(), { name: 'url', unique: false, type: 'BTREE', parts: [{ column: 'url', subPart: 700, descending: false }] }] }
    expect((await run('target_limits', facts({ tables: [prefixed] }))).status).toBe('pass')
  })

  it('checks column count, long names and row sizes against TiDB limits', async () => {
    const many = table('wide', Array.from({ length: 1018 }, (_, i) => column(`c${i}`)), [])
    expect((await run('target_limits', facts({ tables: [many] }))).message).toContain('shop.wide (1018 columns)')
    const longName = table('x'.repeat(65), [column('id')], [pk()])
    expect((await run('target_limits', facts({ tables: [longName] }))).message).toContain(`table shop.${'x'.repeat(65)}`)
    const big = table('blobs', [column('id'), column('data', { dataType: 'longblob', columnType: 'longblob', maxChars: null, maxBytes: 4294967295 })], [pk()], {
      avgRowLength: 7 * 1024 * 1024,
    })
    const bigResult = await run('target_limits', facts({ tables: [big] }))
    expect(bigResult.status).toBe('failed')
    expect(bigResult.message).toContain('txn-entry-size-limit (6 MiB)')
    const mayBe = { ...big, avgRowLength: 1000 }
    expect((await run('target_limits', facts({ tables: [mayBe] }))).status).toBe('warning')
  })
})

describe("fixes that leave tables out name the surface's own place for it", () => {
  it('the app names the Objects step and the CLI names objects: in the job file, never the other way round', async () => {
    const geo = table('places', [column('id'), column('pos', { dataType: 'point', columnType: 'point' })], [pk()])
    const vectors = table('embeddings', [column('id'), column('v', { dataType: 'vector', columnType: 'vector(3)' })], [pk()])
    const cases: [string, PrecheckFacts][] = [
      ['tidb_unsupported_objects', facts({ tables: [geo] })],
      ['table_name_case', facts({ tables: [table('Orders', [column('id')], [pk()]), table('orders', [column('id')], [pk()])] })],
      ['target_limits', facts({ tables: [table('x'.repeat(65), [column('id')], [pk()])] })],
      ['mariadb_only_objects', facts({ tables: [vectors] })],
    ]
    for (const [id, f] of cases) {
      const outcome = await run(id, f)
      expect(outcome.status, id).toBe('failed')
      const app = precheckFixText(outcome, 'app')
      const cli = precheckFixText(outcome, 'cli')
      expect(app, id).toContain('in step 3, Objects')
      expect(app, id).not.toMatch(/objects:|job file/)
      expect(cli, id).toContain('correct objects: in the job file')
    }
  })
})

describe('MySQL-only and managed-service checks', () => {
  const mysqlSource = (variables: Record<string, string>) => server(mysql8, { log_bin: 'ON', ...variables })

  it('binlog_transaction_compression must be OFF', async () => {
    expect((await run('binlog_transaction_compression', facts({ source: mysqlSource({ binlog_transaction_compression: 'ON' }) }))).fix).toContain(
      'SET PERSIST binlog_transaction_compression = OFF;',
    )
    expect((await run('binlog_transaction_compression', facts({ source: mysqlSource({ binlog_transaction_compression: 'OFF' }) }))).status).toBe('pass')
  })

  it('binlog_row_value_options must not be PARTIAL_JSON', async () => {
    expect((await run('binlog_row_value_options', facts({ source: mysqlSource({ binlog_row_value_options: 'PARTIAL_JSON' }) }))).status).toBe('failed')
    expect((await run('binlog_row_value_options', facts({ source: mysqlSource({ binlog_row_value_options: '' }) }))).status).toBe('pass')
  })

  it('gtid_mode passes when ON, warns when OFF, and fails when the job starts from a GTID set', async () => {
    expect((await run('gtid_mode', facts({ source: mysqlSource({ gtid_mode: 'ON' }) }))).status).toBe('pass')
    expect((await run('gtid_mode', facts({ source: mysqlSource({ gtid_mode: 'OFF' }) }))).status).toBe('warning')
    const fromGtid = facts({ source: mysqlSource({ gtid_mode: 'OFF' }), job: { type: 'incremental', start: { gtid: '3e11fa47-71ca-11e1-9e33-c80aa9429562:1-5' } } })
    expect((await run('gtid_mode', fromGtid)).status).toBe('failed')
  })

  it('retention reads binlog_expire_logs_seconds, then expire_logs_days; 0 means never', async () => {
    const r = (v: Record<string, string>) => run('binlog_retention', facts({ source: mysqlSource(v) }))
    expect((await r({ binlog_expire_logs_seconds: '3600', expire_logs_days: '0' })).status).toBe('warning')
    expect((await r({ binlog_expire_logs_seconds: '0', expire_logs_days: '3' })).message).toContain('3 days')
    expect((await r({ binlog_expire_logs_seconds: '0', expire_logs_days: '0' })).status).toBe('pass')
    expect((await r({ binlog_expire_logs_seconds: '2592000' })).message).toContain('30 days')
  })

  it('server_id 0 is a warning (MariaDB cannot be set to 0, MySQL can)', async () => {
    const zero = await run('server_id', facts({ source: mysqlSource({ server_id: '0' }) }))
    expect(zero.status).toBe('warning')
    expect(zero.fix).toContain('SET PERSIST server_id = 1;')
    expect((await run('server_id', facts({ source: mysqlSource({ server_id: '7' }) }))).status).toBe('pass')
  })

  it('aurora_reader fails on a reader and binlog_row_image passes where Aurora hides it', async () => {
    const reader = facts({ source: server({ ...mysql8, auroraRole: 'reader' }, { log_bin: 'ON' }) })
    expect((await run('aurora_reader', reader)).status).toBe('failed')
    expect((await run('binlog_row_image', reader)).status).toBe('pass')
    expect((await run('aurora_reader', facts({ source: server({ ...mysql8, auroraRole: 'writer' }) }))).status).toBe('pass')
  })

  it('physical_single_job fails when another physical job runs against the same target', async () => {
    const other = { id: 'x', name: 'other', mode: 'physical' as const, status: 'running', target: { host: 'tidb', port: 4000 } }
    expect((await run('physical_single_job', facts({ job: { mode: 'physical' }, activeJobs: [other] }))).status).toBe('failed')
    expect((await run('physical_single_job', facts({ job: { mode: 'physical' }, activeJobs: [{ ...other, status: 'finished' }] }))).status).toBe('pass')
    expect((await run('physical_single_job', facts({ job: { mode: 'physical' }, activeJobs: [{ ...other, target: { host: 'tidb', port: 4001 } }] }))).status).toBe('pass')
  })

  it('shared_target_tables fails naming the other job and the shared tables; warns for unknown or running-alongside', async () => {
    const mine = facts({ job: { objects: ['shop'] }, tables: [table('orders', [column('id')], [pk()]), table('items', [column('id')], [pk()])] })
    const other = {
      id: 'x',
      name: 'other',
      mode: 'logical' as const,
      status: 'paused',
      target: { host: 'tidb', port: 4000 },
      source: { host: 'src', port: 3306 },
      objects: ['shop.orders', 'crm'],
      tables: [],
    }
    const sharing = await run('shared_target_tables', { ...mine, activeJobs: [other] })
    expect(sharing.status).toBe('failed')
    expect(sharing.message).toBe(
      `Other jobs write tables this job writes on tidb:4000: "other" (paused): shop.orders. Two jobs writing one table overwrite each other's rows.`,
    )
    expect(sharing.fix).toMatch(/^Leave those tables out of this job/)
    // Tables it has checkpoints for count whatever its selection says; a whole database covers its tables; any case.
    expect((await run('shared_target_tables', { ...mine, activeJobs: [{ ...other, objects: ['crm'], tables: ['SHOP.items'] }] })).message).toContain('"other" (paused): shop.items')
    expect((await run('shared_target_tables', { ...mine, activeJobs: [{ ...other, objects: ['Shop'] }] })).message).toContain('shop.orders, shop.items')
    // `all` of the same source is every table; of another source, unknown.
    expect((await run('shared_target_tables', { ...mine, activeJobs: [{ ...other, objects: 'all' as const }] })).status).toBe('failed')
    const elsewhere = await run('shared_target_tables', { ...mine, activeJobs: [{ ...other, objects: 'all' as const, source: { host: 'other-db', port: 3306 } }] })
    expect(elsewhere.status).toBe('warning')
    expect(elsewhere.message).toMatch(/^"other" \(paused, all databases of other-db:3306\) also writes to tidb:4000 and may write the same tables/)
    // Other tables: a warning only while the other job runs; finished jobs and other targets do not count.
    const apart = { ...other, objects: ['crm'] }
    expect((await run('shared_target_tables', { ...mine, activeJobs: [apart] })).status).toBe('pass')
    expect((await run('shared_target_tables', { ...mine, activeJobs: [{ ...apart, status: 'running' }] })).message).toMatch(/^"other" is running against tidb:4000 too, on other tables/)
    expect((await run('shared_target_tables', { ...mine, activeJobs: [{ ...other, status: 'finished' }] })).status).toBe('pass')
    expect((await run('shared_target_tables', { ...mine, activeJobs: [{ ...other, target: { host: 'tidb', port: 4001 } }] })).status).toBe('pass')
  })

  it('version warns on MySQL 9, TiDB as a source, and old TiDB targets', async () => {
    expect((await run('version', facts({ source: server({ ...mysql8, version: '9.1.0' }) }))).status).toBe('warning')
    expect((await run('version', facts({ source: server(tidb) }))).message).toContain('not a supported source')
    expect((await run('version', facts({ target: server({ ...tidb, version: '6.1.0' }) }))).status).toBe('warning')
    expect((await run('version', facts({ source: server({ ...mysql8, version: '5.5.62' }) }))).status).toBe('failed')
    expect((await run('version', facts())).status).toBe('pass')
  })
})

describe('table_schema on facts', () => {
  it('compares with an existing target table', async () => {
    const source = table('orders', [column('id'), varchar('note', 20)], [pk()])
    const target = table('orders', [column('id'), column('note', { dataType: 'text', columnType: 'text' }), column('extra')], [pk()])
    const result = await run('table_schema', facts({ tables: [source], targetTables: new Map([[tableKey('shop', 'orders', false), target]]) }))
    expect(result.status).toBe('warning')
    expect(result.message).toContain('note is varchar(20) vs text')
    expect(result.message).toContain('NOT NULL column extra')
  })

  it('accepts a NOT NULL unique key as row identity but not a nullable one', async () => {
    const uk = (nullable: boolean) =>
      table('t', [column('code', { nullable })], [{ name: 'code', unique: true, type: 'BTREE', parts: [{ column: 'code', subPart: null, descending: false }] }])
    expect((await run('table_schema', facts({ tables: [uk(false)] }))).status).toBe('pass')
    expect((await run('table_schema', facts({ tables: [uk(true)] }))).status).toBe('warning')
  })
})

describe('grantParser', () => {
  it('reads MariaDB and MySQL grant lines, wildcards and column grants', () => {
    const grants = parseGrants([
      "GRANT SELECT, REPLICATION SLAVE, BINLOG MONITOR ON *.* TO `rep`@`%` IDENTIFIED BY PASSWORD '*ABC'",
      'GRANT INSERT ON `shop\\_%`.* TO `rep`@`%`',
      'GRANT SELECT (`a`, `b`), UPDATE ON `crm`.`users` TO `rep`@`%`',
      'GRANT `analyst`@`%` TO `rep`@`%`',
      'GRANT PROXY ON ``@`%` TO `rep`@`%`',
      'GRANT FROBNICATE THE WIDGETS',
    ])
    expect(hasGlobal(grants, 'BINLOG MONITOR')).toBe(true)
    expect(hasGlobal(grants, 'REPLICATION CLIENT')).toBe(false)
    expect(hasOnTable(grants, 'INSERT', 'shop_a', 't')).toBe(true)
    expect(hasOnTable(grants, 'INSERT', 'shopxa', 't')).toBe(false)
    expect(hasOnTable(grants, 'UPDATE', 'crm', 'users')).toBe(true)
    expect(grants.lines.find((l) => l.table === 'users')?.privileges).toEqual(['UPDATE'])
    expect(grants.unparsed).toEqual(['GRANT FROBNICATE THE WIDGETS'])
  })
})

describe('TiDB target semantics: CHECK constraints, TIME range, FULLTEXT probe, unreadable triggers', () => {
  const json = (name: string) => column(name, { dataType: 'longtext', columnType: 'longtext', charset: 'utf8mb4', collation: 'utf8mb4_bin', maxChars: 4294967295, maxBytes: 4294967295 })
  const checked = table('checked', [column('id'), column('a'), json('doc'), json('raw')], [pk()])
  const constraints = [
    { schema: 'shop', table: 'checked', name: 'a_pos', clause: '`a` > 0' },
    { schema: 'shop', table: 'checked', name: 'doc', clause: 'json_valid(`doc`)' },
    // A user check that only looks like the automatic one is still a user check.
    { schema: 'shop', table: 'checked', name: 'raw', clause: 'json_valid(`raw`) and length(`raw`) < 100' },
  ]

  it('check_constraints: ignores MariaDB JSON checks, warns with the variable OFF or missing, passes when ON', async () => {
    const on = (value?: string) => facts({ tables: [checked], checkConstraints: constraints, target: server(tidb, value === undefined ? {} : { tidb_enable_check_constraint: value }) })
    const off = await run('check_constraints', on('OFF'))
    expect(off.status).toBe('warning')
    expect(off.message).toContain('2 CHECK constraints on 1 table: shop.checked a_pos (`a` > 0), shop.checked raw')
    expect(off.message).toContain("automatic json_valid checks of 1 JSON column are not counted")
    expect(off.fix).toBe('SET GLOBAL tidb_enable_check_constraint = ON;  -- on the target, before the job creates the tables (GLOBAL only; TiDB keeps it cluster-wide)')
    expect((await run('check_constraints', on('ON'))).status).toBe('pass')
    expect((await run('check_constraints', on())).message).toContain('has no tidb_enable_check_constraint (it arrived in TiDB 7.2)')
    expect((await run('check_constraints', facts({ tables: [checked], checkConstraints: [constraints[1]!] }))).status).toBe('pass')
    // The same clause on a MySQL source is a user constraint: MySQL adds no automatic JSON checks.
    const mysqlSource = facts({ tables: [checked], checkConstraints: [constraints[1]!], source: server(mysql8), target: server(tidb, { tidb_enable_check_constraint: 'OFF' }) })
    expect((await run('check_constraints', mysqlSource)).status).toBe('warning')
  })

  it('check_constraints: a table already on the target gets the ALTER that adds its constraint', async () => {
    const f = facts({
      tables: [checked],
      checkConstraints: constraints.slice(0, 1),
      target: server(tidb, { tidb_enable_check_constraint: 'OFF' }),
      targetTables: new Map([[tableKey('shop', 'checked', false), checked]]),
    })
    const result = await run('check_constraints', f)
    expect(result.message).toContain('shop.checked already exist on the target')
    expect(result.fix.split('\n')[1]).toBe('ALTER TABLE `shop`.`checked` ADD CONSTRAINT `a_pos` CHECK (`a` > 0);')
  })

  describe('time_range', () => {
    const time = (name: string, fsp: number) => column(name, { dataType: 'time', columnType: fsp > 0 ? `time(${fsp})` : 'time', nullable: true })
    const byT = (name: string) => ({ name, unique: false, type: 'BTREE', parts: [{ column: name, subPart: null, descending: false }] })
    const mariaToTidb = (tables: TableFacts[], job: Partial<JobConfigInput> = {}) => facts({ tables, job })
    function source(answer: (sql: string) => Record<string, unknown> | Error): { ctx: CheckContext; sent: string[] } {
      const sent: string[] = []
      const ctx: CheckContext = {
        ...noServers,
        source: async <T>(sql: string) => {
          sent.push(sql)
          const row = answer(sql)
          if (row instanceof Error) throw row
          return [row] as T[]
        },
      }
      return { ctx, sent }
    }

    it('applies only from MariaDB to TiDB and skips TIME without fractions', async () => {
      const servers = (src: ServerInfo, tgt: ServerInfo) => check('time_range').appliesTo(facts().config, { source: src, target: tgt })
      expect(servers(mariadb, tidb)).toBe(true)
      expect(servers(mysql8, tidb)).toBe(false)
      expect(servers(mariadb, mariadb)).toBe(false)
      const result = await run('time_range', mariaToTidb([table('t', [column('id'), time('t0', 0)], [pk()])]))
      expect(result).toMatchObject({ status: 'pass', message: 'No TIME columns with fractional seconds.' })
    })

    it('reads an indexed column by a forced range and the others in one bounded scan per table', async () => {
      const t = table('t', [column('id'), time('a', 6), time('b', 3), time('c', 1)], [pk(), byT('b')], { rows: 1000 })
      const { ctx, sent } = source((sql) => (sql.includes('FORCE INDEX') ? { n: '2' } : { total: '1000', c0: '0', c1: '5' }))
      const result = await check('time_range').run(mariaToTidb([t]), ctx)
      expect(sent).toEqual([
        "SET STATEMENT max_statement_time = 5 FOR SELECT COUNT(*) AS n FROM `shop`.`t` FORCE INDEX (`b`) WHERE (`b` > '838:59:59' OR `b` < '-838:59:59')",
        "SET STATEMENT max_statement_time = 5 FOR SELECT COUNT(*) AS total, SUM((`a` > '838:59:59' OR `a` < '-838:59:59')) AS c0, SUM((`c` > '838:59:59' OR `c` < '-838:59:59')) AS c1 FROM `shop`.`t`",
      ])
      expect(result.status).toBe('failed')
      expect(result.message).toContain('shop.t.b (2 rows), shop.t.c (5 rows)')
      expect(result.message).toContain('Checked 3 fractional TIME columns: 1 column through an index, 1 table read in full (1000 rows).')
      expect((await check('time_range').run(mariaToTidb([t], { type: 'incremental' }), ctx)).status).toBe('warning')
    })

    it('does not scan a large table without an index, and says what was not checked and how to check it', async () => {
      const big = table('big', [column('id'), time('a', 6), time('b', 6)], [pk(), byT('b')], { rows: 50_000_000 })
      const slow = table('slow', [column('id'), time('s', 2)], [pk()], { rows: 10 })
      const { ctx, sent } = source((sql) => (sql.includes('`slow`') ? new Error('Query execution was interrupted (max_statement_time exceeded)') : { n: '0' }))
      const result = await check('time_range').run(mariaToTidb([big, slow]), ctx)
      expect(sent).toHaveLength(2)
      expect(result.status).toBe('warning')
      expect(result.message).toContain('shop.big.a (about 50,000,000 rows and no index on the column')
      expect(result.message).toContain('shop.slow.s (the scan took more than 5 s)')
      expect(result.message).toContain('1 column through an index')
      expect(result.fix).toContain("SELECT COUNT(*) FROM `shop`.`big` WHERE (`a` > '838:59:59' OR `a` < '-838:59:59');")
    })
  })

  describe('tidb_unsupported_objects', () => {
    const posts = table('posts', [column('id'), varchar('body', 200)], [pk(), { name: 'ft', unique: false, type: 'FULLTEXT', parts: [{ column: 'body', subPart: null, descending: false }] }])
    /** A TiDB that answers the probe: `keeps` says whether SHOW INDEX lists the FULLTEXT index. */
    function target(keeps: boolean | Error): { ctx: CheckContext; sent: string[] } {
      const sent: string[] = []
      const ctx: CheckContext = {
        ...noServers,
        target: async <T>(sql: string) => {
          sent.push(sql)
          if (sql.startsWith('SELECT SCHEMA_NAME')) return [{ s: 'shop' }] as T[]
          if (sql.startsWith('CREATE TABLE') && keeps instanceof Error) throw keeps
          if (sql.startsWith('SHOW INDEX')) return (keeps === true ? [{ Key_name: 'PRIMARY' }, { Key_name: 'cutover_probe_ft' }] : [{ Key_name: 'PRIMARY' }]) as T[]
          return [] as T[]
        },
      }
      return { ctx, sent }
    }

    it('says FULLTEXT indexes are dropped or kept from what the target did with a probe table, which it drops', async () => {
      const dropped = target(false)
      const result = await check('tidb_unsupported_objects').run(facts({ tables: [posts] }), dropped.ctx)
      expect(result.status).toBe('warning')
      expect(result.message).toContain('FULLTEXT indexes are dropped: a probe table on the target was created without its FULLTEXT index')
      expect(dropped.sent.map((s) => s.split(' (')[0])).toEqual([
        'SELECT SCHEMA_NAME AS s FROM information_schema.SCHEMATA WHERE LOWER(SCHEMA_NAME) IN',
        expect.stringMatching(/^CREATE TABLE `shop`\.`_cutover_probe_[0-9a-f]{12}`$/),
        expect.stringMatching(/^SHOW INDEX FROM `shop`\.`_cutover_probe_[0-9a-f]{12}`$/),
        expect.stringMatching(/^DROP TABLE IF EXISTS `shop`\.`_cutover_probe_[0-9a-f]{12}`$/),
      ])

      const kept = await check('tidb_unsupported_objects').run(facts({ tables: [posts] }), target(true).ctx)
      expect(kept).toMatchObject({ status: 'pass', message: expect.stringContaining('FULLTEXT indexes are kept') })

      const refused = await check('tidb_unsupported_objects').run(facts({ tables: [posts] }), target(Object.assign(new Error('FULLTEXT and SPATIAL index is not supported'), { errno: 8200 })).ctx)
      expect(refused.message).toContain('FULLTEXT indexes are dropped: the target refuses a FULLTEXT index (error 8200')

      const denied = await check('tidb_unsupported_objects').run(facts({ tables: [posts] }), target(Object.assign(new Error("CREATE command denied to user 'u'"), { errno: 1142 })).ctx)
      expect(denied).toMatchObject({ status: 'warning', message: expect.stringContaining('could not be asked: a probe table could not be created in shop on the target: CREATE command denied') })

      // No FULLTEXT index on the source: no probe, no DDL on the target.
      expect((await check('tidb_unsupported_objects').run(facts(), noServers)).status).toBe('pass')
    })

    it('warns that triggers could not be read where the source user lacks TRIGGER, schema or table level', async () => {
      const grants = (...lines: string[]) => server(mariadb, {}, lines)
      const orders = table('orders', [column('id')], [pk()])
      const items = table('items', [column('id')], [pk()], { schema: 'crm' })
      const blind = await run('tidb_unsupported_objects', facts({ tables: [orders, items], source: grants('GRANT SELECT ON *.* TO `u`@`%`', 'GRANT TRIGGER ON `crm`.`items` TO `u`@`%`') }))
      expect(blind.status).toBe('warning')
      expect(blind.message).toContain("Triggers could not be read in shop: 'u'@'%' has no TRIGGER privilege there")
      expect(blind.fix).toContain("GRANT TRIGGER ON `shop`.* TO 'u'@'%';")
      expect(blind.fix).not.toContain('`crm`')
      expect((await run('tidb_unsupported_objects', facts({ tables: [orders], source: grants('GRANT SELECT, TRIGGER ON `shop`.* TO `u`@`%`') }))).status).toBe('pass')
    })
  })
})
