import type { Connection, RowDataPacket } from 'mysql2/promise'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { connectSource, connectTarget, connectTo, createUser, sourceServer, targetServer, uniqueName } from './servers'

const BIGINT_UNSIGNED_MAX = '18446744073709551615'

const rowsWritten = [
  { id: 1, label: 'fox 🦊 café', big: BIGINT_UNSIGNED_MAX, note: null },
  { id: 2, label: null, big: '0', note: 'plain ascii' },
  { id: 3, label: '𝔘𝔫𝔦𝔠𝔬𝔡𝔢 👩‍👩‍👧', big: '9007199254740993', note: '' },
]

describe.each([
  { side: 'source', connect: connectSource },
  { side: 'target', connect: connectTarget },
])('$side server round-trips rows', ({ side, connect }) => {
  const database = uniqueName(`smoke_${side}`)
  let db: Connection

  beforeAll(async () => {
    db = await connect()
    await db.query('CREATE DATABASE ??', [database])
    await db.changeUser({ database })
  })

  afterAll(async () => {
    await db.query('DROP DATABASE IF EXISTS ??', [database])
    await db.end()
  })

  it('writes and reads back utf8mb4, BIGINT UNSIGNED max and NULL unchanged', async () => {
    await db.query(
      `CREATE TABLE t (
         id INT PRIMARY KEY,
         label VARCHAR(64) NULL,
         big BIGINT UNSIGNED NOT NULL,
         note TEXT NULL
       )`,
    )
    for (const row of rowsWritten) {
      await db.query('INSERT INTO t (id, label, big, note) VALUES (?, ?, ?, ?)', [row.id, row.label, row.big, row.note])
    }
    const [rows] = await db.query<RowDataPacket[]>('SELECT id, label, big, note FROM t ORDER BY id')
    expect(rows.map((row) => ({ ...row }))).toEqual(rowsWritten)
  })
})

describe('shared server configuration', () => {
  it('source has a ROW/FULL binlog and server_id 1', async () => {
    const db = await connectSource()
    try {
      const [[vars]] = await db.query<RowDataPacket[]>(
        'SELECT @@log_bin AS logBin, @@binlog_format AS format, @@binlog_row_image AS rowImage, ' +
          '@@binlog_row_metadata AS rowMetadata, @@server_id AS serverId',
      )
      // Integer system variables are BIGINT to the client, so bigNumberStrings makes them strings.
      expect(vars).toMatchObject({ logBin: '1', format: 'ROW', rowImage: 'FULL', rowMetadata: 'FULL' })
      expect(Number(vars?.serverId)).toBe(1)

      const [status] = await db.query<RowDataPacket[]>('SHOW MASTER STATUS')
      expect(status).toHaveLength(1)
      expect(status[0]?.File).toMatch(/^binlog\.\d{6}$/)
      expect(Number(status[0]?.Position)).toBeGreaterThan(0)
    } finally {
      await db.end()
    }
  })

  it('the MariaDB target has no binlog and server_id 2', async () => {
    const db = await connectTarget(undefined, 'mariadb')
    try {
      const [[vars]] = await db.query<RowDataPacket[]>('SELECT @@log_bin AS logBin, @@server_id AS serverId')
      expect(vars?.logBin).toBe('0')
      expect(Number(vars?.serverId)).toBe(2)
    } finally {
      await db.end()
    }
  })

  it('the TiDB target is a tidb-server on unistore storage', async () => {
    const db = await connectTarget(undefined, 'tidb')
    try {
      const [[row]] = await db.query<RowDataPacket[]>('SELECT VERSION() AS v, @@tidb_config AS config')
      expect(String(row?.v)).toMatch(/TiDB/)
      expect(JSON.parse(String(row?.config)).store).toBe('unistore')
    } finally {
      await db.end()
    }
  })

  it('both are reachable only as the harness admin over 127.0.0.1', () => {
    for (const options of [sourceServer(), targetServer()]) {
      expect(options).toMatchObject({ host: '127.0.0.1', user: 'harness' })
      expect(options.password).not.toBe('')
    }
  })
})

describe('users created with createUser', () => {
  const created: string[] = []

  afterAll(async () => {
    const admin = await connectSource()
    try {
      for (const user of created) await admin.query("DROP USER IF EXISTS ?@'%'", [user])
    } finally {
      await admin.end()
    }
  })

  it('has no anonymous account that could shadow user@%', async () => {
    const admin = await connectSource()
    try {
      const [anonymous] = await admin.query<RowDataPacket[]>(
        "SELECT Host FROM mysql.global_priv WHERE User = '' AND Host <> ''",
      )
      expect(anonymous).toEqual([])
    } finally {
      await admin.end()
    }
  })

  it("log in over TCP as user@'%' and are refused privileges they lack", async () => {
    const reader = await createUser(sourceServer(), { user: uniqueName('smoke_reader'), grants: ['SELECT ON *.*'] })
    created.push(reader.user)

    const db = await connectTo({ ...sourceServer(), user: reader.user, password: reader.password })
    try {
      const [[who]] = await db.query<RowDataPacket[]>('SELECT CURRENT_USER() AS currentUser')
      expect(who?.currentUser).toBe(`${reader.user}@%`)
      await expect(db.query('CREATE DATABASE ??', [uniqueName('smoke_denied')])).rejects.toMatchObject({
        code: 'ER_DBACCESS_DENIED_ERROR',
      })
      await expect(db.query('SHOW MASTER STATUS')).rejects.toMatchObject({
        code: 'ER_SPECIFIC_ACCESS_DENIED_ERROR',
      })
    } finally {
      await db.end()
    }
  })

  it('are refused with a wrong password', async () => {
    const reader = await createUser(sourceServer(), { user: uniqueName('smoke_pw'), grants: ['SELECT ON *.*'] })
    created.push(reader.user)
    await expect(connectTo({ ...sourceServer(), user: reader.user, password: 'wrong' })).rejects.toMatchObject({
      code: 'ER_ACCESS_DENIED_ERROR',
    })
  })
})
