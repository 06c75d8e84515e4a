/**
 * Privileges, schema compatibility, start positions and physical-mode emptiness against the shared servers.
 * Every database and user here has a unique name, because other suites use the same servers in parallel.
 */
import type { Connection } from 'mysql2/promise'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { runPrecheck } from '../../src/main/engine/precheck/precheckRunner'
import type { JobConfig } from '../../src/shared/domain/job'
import {
  connectSource,
  connectTarget,
  createUser,
  sourceServer,
  targetServer,
  targetServerOf,
  uniqueName,
} from '../harness/servers'
import { item, jobFor } from './fixtures'

describe('precheck of privileges, schema and positions', () => {
  const db = uniqueName('pc_schema')
  let source: Connection
  let target: Connection
  const users: string[] = []
  const targetUsers: string[] = []

  beforeAll(async () => {
    source = await connectSource()
    target = await connectTarget()
    await source.query(`
      CREATE DATABASE \`${db}\`;
      USE \`${db}\`;
      CREATE TABLE with_pk (id INT PRIMARY KEY, note VARCHAR(20));
      CREATE TABLE no_pk (a INT, b VARCHAR(10));
      CREATE TABLE parent (id INT PRIMARY KEY);
      CREATE TABLE child (id INT PRIMARY KEY, parent_id INT, FOREIGN KEY (parent_id) REFERENCES parent (id));
      CREATE TABLE places (id INT PRIMARY KEY, pos POINT NOT NULL, SPATIAL INDEX (pos));
      CREATE TABLE modern (id INT PRIMARY KEY, name VARCHAR(50) COLLATE utf8mb4_uca1400_ai_ci);
      CREATE TRIGGER with_pk_ai AFTER INSERT ON with_pk FOR EACH ROW SET @touched = 1;
      INSERT INTO with_pk VALUES (1, 'one');
    `)
  })

  afterAll(async () => {
    for (const u of users) await source.query('DROP USER IF EXISTS ?@?', [u, '%'])
    for (const u of targetUsers) await target.query('DROP USER IF EXISTS ?@?', [u, '%'])
    await source.query(`DROP DATABASE IF EXISTS \`${db}\``)
    await target.query(`DROP DATABASE IF EXISTS \`${db}\``)
    await source.end()
    await target.end()
  })

  function job(extra: Partial<JobConfig> = {}, sourceUser?: { user: string; password: string }) {
    const src = { ...sourceServer(), ...(sourceUser ? { user: sourceUser.user, password: sourceUser.password } : {}) }
    return jobFor(src, targetServer(), { objects: [db], ...extra })
  }

  it('warns on tables without a key and on foreign keys, naming each table', async () => {
    const report = await runPrecheck(job({ objects: [`${db}.no_pk`, `${db}.child`, `${db}.with_pk`] }))
    const schema = item(report, 'table_schema')
    expect(schema.status).toBe('warning')
    expect(schema.message).toContain(`${db}.no_pk`)
    expect(schema.message).not.toContain(`${db}.with_pk,`)
    expect(schema.message).toContain(`foreign keys (${db}.child)`)
    expect(schema.message).toContain(`Referenced tables not selected: ${db}.parent`)
    expect(schema.fix).toContain(`ALTER TABLE \`${db}\`.\`no_pk\` ADD COLUMN \`cutover_row_id\``)
  })

  it('fails objects that match nothing on the source', async () => {
    const report = await runPrecheck(job({ objects: [`${db}.nope`, `${db}.with_pk`] }))
    expect(item(report, 'table_schema')).toMatchObject({
      status: 'failed',
      message: expect.stringContaining(`${db}.nope`),
    })
  })

  it('passes table_schema for keyed tables and knows MariaDB 10.11 uca1400 collations exist on a 10.11 target', async () => {
    const onMariaDb = jobFor(sourceServer(), targetServerOf('mariadb'), { objects: [`${db}.with_pk`, `${db}.modern`] })
    const report = await runPrecheck(onMariaDb)
    expect(item(report, 'table_schema').status).toBe('pass')
    // SHOW COLLATION on 10.10+ lists only `uca1400_ai_ci`; the full per-charset name must still be found.
    expect(item(report, 'charset_collation')).toMatchObject({
      status: 'pass',
      message: expect.stringContaining('utf8mb4_uca1400_ai_ci'),
    })
    expect(report.items.map((i) => i.id)).not.toContain('tidb_unsupported_objects')
    // TiDB has no uca1400 collations: the rewrite is announced as a warning naming the column.
    const onTidb = await runPrecheck(jobFor(sourceServer(), targetServerOf('tidb'), { objects: [`${db}.modern`] }))
    expect(item(onTidb, 'charset_collation')).toMatchObject({
      status: 'warning',
      message: expect.stringContaining(`${db}.modern.name`),
    })
  })

  it('warns when a table already on the target differs from the source, and fails non-empty targets in physical mode', async () => {
    await target.query(
      `CREATE DATABASE \`${db}\`; CREATE TABLE \`${db}\`.with_pk (id INT PRIMARY KEY, note TEXT, extra INT NOT NULL); INSERT INTO \`${db}\`.with_pk VALUES (1, 'x', 0)`,
    )
    await target.query(`CREATE TABLE \`${db}\`.parent (id INT PRIMARY KEY)`)
    try {
      const report = await runPrecheck(
        job({ objects: [`${db}.with_pk`, `${db}.parent`], mode: 'physical', type: 'existing' }),
      )
      expect(item(report, 'table_schema').message).toContain('note is varchar(20) vs text')
      expect(item(report, 'downstream_table_empty')).toMatchObject({
        status: 'failed',
        message: expect.stringContaining(`${db}.with_pk already has rows`),
      })
      expect(item(report, 'downstream_table_empty').fix).toContain(`TRUNCATE TABLE \`${db}\`.\`with_pk\`;`)
      await target.query(`TRUNCATE TABLE \`${db}\`.with_pk`)
      const emptied = await runPrecheck(
        job({ objects: [`${db}.with_pk`, `${db}.parent`], mode: 'physical', type: 'existing' }),
      )
      expect(item(emptied, 'downstream_table_empty')).toMatchObject({
        status: 'pass',
        message: '2 existing target tables are empty.',
      })
      expect(item(emptied, 'physical_single_job').status).toBe('pass')
    } finally {
      await target.query(`DROP DATABASE \`${db}\``)
    }
  })

  it('fails replication_privilege for a user without replication grants, with the exact GRANT, then passes once granted', async () => {
    const name = uniqueName('pc_norepl')
    users.push(name)
    const created = await createUser(sourceServer(), { user: name, grants: [`SELECT ON \`${db}\`.*`] })
    const report = await runPrecheck(job({ type: 'incremental' }, created))
    const repl = item(report, 'replication_privilege')
    expect(repl.status).toBe('failed')
    expect(repl.message).toMatch(/SHOW MASTER STATUS failed: .*BINLOG MONITOR/)
    expect(repl.message).toMatch(/binlog dump failed: .*REPLICATION SLAVE/)
    expect(repl.fix).toBe(`GRANT REPLICATION SLAVE, BINLOG MONITOR ON *.* TO '${name}'@'%';`)

    await source.query(repl.fix)
    const granted = await runPrecheck(job({ type: 'incremental' }, created))
    expect(item(granted, 'replication_privilege')).toMatchObject({
      status: 'pass',
      message: expect.stringContaining('a binlog dump works'),
    })
  })

  it('fails dump_privilege for a user that can replicate but not read tables', async () => {
    const name = uniqueName('pc_nodump')
    users.push(name)
    const created = await createUser(sourceServer(), {
      user: name,
      grants: ['REPLICATION SLAVE, BINLOG MONITOR ON *.*', `SELECT ON \`${db}\`.\`with_pk\``],
    })
    const report = await runPrecheck(job({ type: 'existing', objects: [`${db}.with_pk`] }, created))
    const dump = item(report, 'dump_privilege')
    expect(dump.status).toBe('failed')
    expect(dump.message).toContain('neither RELOAD')
    expect(dump.fix).toContain(`GRANT RELOAD ON *.* TO '${name}'@'%';`)
  })

  it('warns on target_privilege for a target user without write grants', async () => {
    const name = uniqueName('pc_tgt')
    targetUsers.push(name)
    const created = await createUser(targetServer(), { user: name, grants: ['SELECT ON *.*'] })
    const config = jobFor(
      sourceServer(),
      { ...targetServer(), user: created.user, password: created.password },
      { objects: [`${db}.with_pk`] },
    )
    const report = await runPrecheck(config)
    const tp = item(report, 'target_privilege')
    expect(tp.status).toBe('warning')
    expect(tp.fix).toBe(`GRANT CREATE, INSERT, UPDATE, DELETE, ALTER, DROP, INDEX ON \`${db}\`.* TO '${name}'@'%';`)
  })

  describe('meta_position', () => {
    async function current(): Promise<{ file: string; position: number; size: number; gtid: string }> {
      const [[status]] = (await source.query('SHOW MASTER STATUS')) as unknown as [[{ File: string; Position: string }]]
      const [[gtid]] = (await source.query('SELECT @@gtid_binlog_pos AS g')) as unknown as [[{ g: string }]]
      return { file: status.File, position: Number(status.Position), size: Number(status.Position), gtid: gtid.g }
    }
    const incremental = (start: JobConfig['start']) => job({ type: 'incremental', objects: [`${db}.with_pk`], start })

    it('passes the current file and position, fails a missing file, a position past the end and one inside an event', async () => {
      const now = await current()
      const good = await runPrecheck(incremental({ file: now.file, position: now.position }))
      expect(item(good, 'meta_position')).toMatchObject({
        status: 'pass',
        message: `The source streams its binlog from ${now.file}:${now.position}.`,
      })

      const missing = await runPrecheck(incremental({ file: 'binlog.999999', position: 4 }))
      expect(item(missing, 'meta_position')).toMatchObject({
        status: 'failed',
        message: expect.stringContaining('binlog.999999 is not among'),
      })

      const past = await runPrecheck(incremental({ file: now.file, position: now.size + 1_000_000_000 }))
      expect(item(past, 'meta_position')).toMatchObject({
        status: 'failed',
        message: expect.stringContaining('past the end'),
      })

      // Inside the format description event: a real file and a plausible number, but not an event boundary.
      const inside = await runPrecheck(incremental({ file: now.file, position: 10 }))
      expect(item(inside, 'meta_position')).toMatchObject({
        status: 'failed',
        message: expect.stringContaining('cannot stream its binlog'),
      })
    })

    it('passes the current MariaDB GTID position and fails a malformed or future one', async () => {
      const now = await current()
      expect(item(await runPrecheck(incremental({ gtid: now.gtid })), 'meta_position').status).toBe('pass')
      const [domain, serverId, seq] = now.gtid.split(',')[0]!.split('-')
      // Far enough ahead that the suites writing to the shared source in parallel cannot reach it meanwhile.
      const future = await runPrecheck(incremental({ gtid: `${domain}-${serverId}-${BigInt(seq!) + 1_000_000_000n}` }))
      expect(item(future, 'meta_position')).toMatchObject({
        status: 'failed',
        message: expect.stringContaining('in the future'),
      })
      const malformed = await runPrecheck(incremental({ gtid: 'not-a-gtid' }))
      expect(item(malformed, 'meta_position').status).toBe('failed')
      // MariaDB accepts a domain it never logged, and starts the domains left out from the oldest binlog.
      const otherDomain = await runPrecheck(incremental({ gtid: '77-1-5' }))
      expect(item(otherDomain, 'meta_position')).toMatchObject({
        status: 'warning',
        message: expect.stringContaining(`domain ${domain}`),
      })
    })
  })
})
