import { access } from 'node:fs/promises'
import { createServer } from 'node:net'
import type { RowDataPacket } from 'mysql2/promise'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { MARIADB_INSTALL_COMMAND } from './mariadb'
import { connectTo, findMariadbd, MariaDbStartError, startMariaDb, type MariaDbServer } from './servers'

async function exists(path: string): Promise<boolean> {
  return access(path).then(
    () => true,
    () => false,
  )
}

function canListen(port: number): Promise<boolean> {
  return new Promise((resolve) => {
    const probe = createServer()
    probe.once('error', () => resolve(false))
    probe.listen(port, '127.0.0.1', () => probe.close(() => resolve(true)))
  })
}

function isRunning(pid: number): boolean {
  try {
    process.kill(pid, 0)
    return true
  } catch {
    return false
  }
}

// Integer system variables are BIGINT to the client, so bigNumberStrings returns them as strings.
interface BinlogVariables extends RowDataPacket {
  logBin: string
  format: string
  rowImage: string
  rowMetadata: string
  expireSeconds: string
  serverId: string
  maxAllowedPacket: string
}

async function binlogVariables(server: MariaDbServer): Promise<BinlogVariables> {
  const [vars] = await server.query<BinlogVariables[]>(
    'SELECT @@log_bin AS logBin, @@binlog_format AS format, @@binlog_row_image AS rowImage, ' +
      '@@binlog_row_metadata AS rowMetadata, @@binlog_expire_logs_seconds AS expireSeconds, ' +
      '@@server_id AS serverId, @@max_allowed_packet AS maxAllowedPacket',
  )
  if (vars === undefined) throw new Error('no row from SELECT @@…')
  return vars
}

describe('startMariaDb', () => {
  let off: MariaDbServer
  let statement: MariaDbServer
  let minimal: MariaDbServer
  let noLog: MariaDbServer

  beforeAll(async () => {
    // Parallel: each start is a few seconds, and this file has to stay fast on a 2-core runner.
    const started = await Promise.allSettled([
      startMariaDb({ name: 'off', binlog: null, extraArgs: ['--max-allowed-packet=32M'] }),
      startMariaDb({ name: 'statement', binlog: { format: 'STATEMENT', rowImage: 'FULL', rowMetadata: 'NO_LOG' } }),
      startMariaDb({
        name: 'minimal',
        serverId: 4242,
        binlog: { format: 'ROW', rowImage: 'MINIMAL', rowMetadata: 'MINIMAL', expireSeconds: 3600 },
      }),
      startMariaDb({ name: 'noLog', binlog: { format: 'ROW', rowImage: 'NOBLOB', rowMetadata: 'NO_LOG' } }),
    ])
    const servers = started.flatMap((result) => (result.status === 'fulfilled' ? [result.value] : []))
    const failure = started.find((result) => result.status === 'rejected')
    if (failure !== undefined) {
      await Promise.all(servers.map((server) => server.stop()))
      throw failure.reason
    }
    ;[off, statement, minimal, noLog] = servers as [MariaDbServer, MariaDbServer, MariaDbServer, MariaDbServer]
  })

  afterAll(async () => {
    await Promise.all([off, statement, minimal, noLog].map((server) => server?.stop()))
  })

  it('leaves log_bin off when binlog is null, and applies extraArgs', async () => {
    const vars = await binlogVariables(off)
    expect(vars.logBin).toBe('0')
    expect(Number(vars.maxAllowedPacket)).toBe(32 * 1024 * 1024)
  })

  it('applies the STATEMENT format', async () => {
    expect(await binlogVariables(statement)).toMatchObject({ logBin: '1', format: 'STATEMENT', rowMetadata: 'NO_LOG' })
    const status = await statement.query('SHOW MASTER STATUS')
    expect(status).toHaveLength(1)
  })

  it('applies the MINIMAL row image, MINIMAL metadata, expiry and an explicit server id', async () => {
    const vars = await binlogVariables(minimal)
    expect(vars).toMatchObject({ logBin: '1', format: 'ROW', rowImage: 'MINIMAL', rowMetadata: 'MINIMAL' })
    expect(Number(vars.expireSeconds)).toBe(3600)
    expect(Number(vars.serverId)).toBe(4242)
  })

  it('applies the NOBLOB row image and NO_LOG metadata', async () => {
    expect(await binlogVariables(noLog)).toMatchObject({
      logBin: '1',
      format: 'ROW',
      rowImage: 'NOBLOB',
      rowMetadata: 'NO_LOG',
    })
  })

  it('gives servers without an explicit id distinct ids that avoid the shared 1 and 2', async () => {
    const ids = await Promise.all(
      [off, statement, noLog].map(async (server) => Number((await binlogVariables(server)).serverId)),
    )
    expect(ids).toEqual([off.serverId, statement.serverId, noLog.serverId])
    expect(new Set(ids).size).toBe(3)
    for (const id of ids) expect(id).toBeGreaterThanOrEqual(1000)
  })

  it('connects as harness over 127.0.0.1 with admin rights and the harness client settings', async () => {
    const db = await off.connect()
    try {
      const [[row]] = await db.query<RowDataPacket[]>(
        "SELECT CURRENT_USER() AS who, CAST(18446744073709551615 AS UNSIGNED) AS big, DATE('2024-02-29') AS day",
      )
      expect(row).toEqual({ who: 'harness@%', big: '18446744073709551615', day: '2024-02-29' })
      const [grants] = await db.query<RowDataPacket[]>('SHOW GRANTS')
      expect(Object.values(grants[0] ?? {})[0]).toMatch(
        /^GRANT ALL PRIVILEGES ON \*\.\* TO `harness`@`%`.*WITH GRANT OPTION$/,
      )
    } finally {
      await db.end()
    }
  })

  it('leaves no passwordless root reachable over TCP', async () => {
    await expect(connectTo({ ...off.connectionOptions(), user: 'root', password: '' })).rejects.toMatchObject({
      code: 'ER_ACCESS_DENIED_ERROR',
    })
  })

  it('creates users with the requested auth plugin and grants', async () => {
    const native = await statement.createUser({
      user: 'native_user',
      plugin: 'mysql_native_password',
      grants: ['SELECT ON *.*', 'REPLICATION SLAVE ON *.*', 'BINLOG MONITOR ON *.*'],
    })
    const edwards = await statement.createUser({ user: 'ed_user', plugin: 'ed25519', grants: ['SELECT ON *.*'] })
    const plugins = await statement.query(
      "SELECT User AS user, JSON_VALUE(Priv, '$.plugin') AS plugin FROM mysql.global_priv " +
        "WHERE User IN ('native_user', 'ed_user') ORDER BY User",
    )
    expect(plugins.map((row) => ({ ...row }))).toEqual([
      { user: 'ed_user', plugin: 'ed25519' },
      { user: 'native_user', plugin: 'mysql_native_password' },
    ])
    expect(edwards.host).toBe('%')

    const db = await connectTo({ ...statement.connectionOptions(), user: native.user, password: native.password })
    try {
      const [status] = await db.query<RowDataPacket[]>('SHOW MASTER STATUS')
      expect(status).toHaveLength(1)
      const [grants] = await db.query<RowDataPacket[]>('SHOW GRANTS')
      expect(Object.values(grants[0] ?? {})[0]).toMatch(/REPLICATION SLAVE/)
    } finally {
      await db.end()
    }
  })

  it('creates databases with utf8mb4', async () => {
    await minimal.createDatabase('made_here')
    const [schema] = await minimal.query(
      "SELECT DEFAULT_CHARACTER_SET_NAME AS charset FROM information_schema.SCHEMATA WHERE SCHEMA_NAME = 'made_here'",
    )
    expect(schema?.charset).toBe('utf8mb4')
  })

  it('stop() shuts the server down, frees its port and removes its data dir', async () => {
    const { port, dataDir, pid } = off
    expect(await exists(dataDir)).toBe(true)
    expect(await canListen(port)).toBe(false)

    await off.stop()

    expect(isRunning(pid)).toBe(false)
    expect(await exists(dataDir)).toBe(false)
    expect(await canListen(port)).toBe(true)
    await off.stop() // idempotent
  })
})

describe('startMariaDb failures', () => {
  it('reports the err.log tail and removes the data dir when mariadbd refuses to start', async () => {
    const error: unknown = await startMariaDb({ name: 'broken', extraArgs: ['--no-such-option-for-cutover'] }).then(
      () => null,
      (reason: unknown) => reason,
    )
    expect(error).toBeInstanceOf(MariaDbStartError)
    const startError = error as MariaDbStartError
    expect(startError.message).toMatch(/"broken" exited during startup/)
    expect(startError.message).toMatch(/unknown option '--no-such-option-for-cutover'/)
    expect(await exists(startError.dataDir)).toBe(false)
  })

  it('names the install command when mariadbd is missing', () => {
    expect(() => findMariadbd(['/nonexistent'])).toThrow(MARIADB_INSTALL_COMMAND)
    expect(MARIADB_INSTALL_COMMAND).toBe('apt-get install -y mariadb-server')
    expect(findMariadbd()).toMatch(/\/mariadbd$/)
  })
})
