/**
 * The connection test against the shared harness servers: the happy path for source and target, and each
 * failure the wizard must explain by hop — refused port, unknown host, wrong password, missing binlog grants,
 * an auth plugin the client cannot speak — with no password ever in the output.
 */
import { createServer as createHttpServer } from 'node:http'
import { createServer, type Server, type Socket } from 'node:net'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import {
  connectionSchema,
  type ConnectionProfile,
  type ConnectionProfileInput,
} from '../../src/shared/domain/connection'
import { testConnection } from '../../src/main/engine/connect/testConnection'
import { openSession } from '../../src/main/engine/connect/openSession'
import { sourceServer, targetServer, uniqueName, createUser, connectSource } from '../harness/servers'

function profileFor(
  base: { host: string; port: number },
  overrides: Partial<ConnectionProfileInput>,
): ConnectionProfile {
  return connectionSchema.parse({ host: base.host, port: base.port, ...overrides })
}

async function freePort(): Promise<number> {
  return new Promise((resolve) => {
    const probe = createServer().listen(0, '127.0.0.1', () => {
      const port = (probe.address() as { port: number }).port
      probe.close(() => resolve(port))
    })
  })
}

/** Binlog connections of the shared source still open by a given user; proves the probe left nothing behind. */
async function openConnectionsOf(user: string): Promise<number> {
  const admin = await connectSource()
  try {
    const [rows] = await admin.query('SELECT COUNT(*) AS n FROM information_schema.PROCESSLIST WHERE USER = ?', [user])
    return Number((rows as { n: number }[])[0]!.n)
  } finally {
    await admin.end()
  }
}

const users: {
  reader: { user: string; password: string }
  noRepl: { user: string; password: string }
  ed: { user: string; password: string }
} = {} as never

beforeAll(async () => {
  const source = sourceServer()
  users.reader = await createUser(source, {
    user: uniqueName('reader'),
    grants: ['SELECT ON *.*', 'REPLICATION SLAVE ON *.*', 'BINLOG MONITOR ON *.*'],
  })
  users.noRepl = await createUser(source, { user: uniqueName('norepl'), grants: ['SELECT ON *.*'] })
  users.ed = await createUser(source, { user: uniqueName('ed'), grants: ['SELECT ON *.*'], plugin: 'ed25519' })
})

afterAll(async () => {
  const admin = await connectSource()
  try {
    for (const u of Object.values(users)) await admin.query('DROP USER IF EXISTS ?@?', [u.user, '%'])
  } finally {
    await admin.end()
  }
})

describe('testConnection: success', () => {
  it('walks every hop to the source, including a binlog reader, and closes all it opened', async () => {
    const profile = profileFor(sourceServer(), { user: users.reader.user, password: users.reader.password })
    const result = await testConnection(profile, 'source')
    expect(result.error).toBeNull()
    expect(result.ok).toBe(true)
    expect(result.hops.map((h) => h.hop)).toEqual(['tcp', 'tls', 'auth', 'query', 'binlog'])
    expect(result.hops.every((h) => h.ok)).toBe(true)
    expect(result.server?.flavor).toBe('mariadb')
    expect(result.authPlugin).toBe('mysql_native_password')
    expect(result.tls).toBeNull()
    expect(result.binlog?.ok).toBe(true)
    expect(result.binlog?.detail).toMatch(/replica server id \d{10}/)
    // zongji's control and binlog connections, and our session, are all gone.
    await expect.poll(() => openConnectionsOf(users.reader.user), { timeout: 3_000 }).toBe(0)
  })

  it('tests the target without a binlog reader', async () => {
    const target = targetServer()
    const result = await testConnection(profileFor(target, { user: target.user, password: target.password }), 'target')
    expect(result.ok).toBe(true)
    expect(result.binlog).toBeNull()
    expect(result.hops.map((h) => h.hop)).toEqual(['tcp', 'tls', 'auth', 'query'])
  })

  it('resolves a host name first and reports it as the DNS hop', async () => {
    const source = sourceServer()
    const result = await testConnection(
      profileFor(
        { host: 'localhost', port: source.port },
        { user: users.reader.user, password: users.reader.password },
      ),
      'source',
      { probeBinlog: false },
    )
    expect(result.ok).toBe(true)
    expect(result.hops[0]).toMatchObject({ hop: 'dns', ok: true })
    expect(result.hops[0]!.detail).toMatch(/^localhost → (127\.0\.0\.1|::1)/)
  })
})

describe('testConnection: failures name the hop and the fix', () => {
  it('refused port → CONN_REFUSED on the tcp hop', async () => {
    const port = await freePort()
    const result = await testConnection(profileFor({ host: '127.0.0.1', port }, { user: 'x', password: 'y' }), 'source')
    expect(result.ok).toBe(false)
    expect(result.error?.code).toBe('CONN_REFUSED')
    expect(result.hops.at(-1)).toMatchObject({ hop: 'tcp', ok: false })
    expect(result.error?.message).toContain(`127.0.0.1:${port}`)
  })

  it('an HTTP server on the port → CONN_NOT_MYSQL naming it and its answer, not a firewall', async () => {
    const http = createHttpServer((_req, res) => res.writeHead(404).end())
    const port = await new Promise<number>((resolve) =>
      http.listen(0, '127.0.0.1', () => resolve((http.address() as { port: number }).port)),
    )
    try {
      const result = await testConnection(
        profileFor({ host: '127.0.0.1', port }, { user: 'x', password: 'y', connectTimeoutMs: 1_500 }),
        'source',
      )
      expect(result.error).toMatchObject({
        code: 'CONN_NOT_MYSQL',
        message: `127.0.0.1:${port} is not a MySQL-compatible server: an HTTP server answers there ("HTTP/1.1 404 Not Found").`,
        workaround: expect.stringMatching(/SQL port .*10080 is its HTTP status port/),
      })
      expect(result.hops.at(-1)).toMatchObject({ hop: 'tcp', ok: false })
    } finally {
      http.closeAllConnections()
      await new Promise((resolve) => http.close(resolve))
    }
  })

  it('a port that accepts and stays silent → CONN_NO_GREETING, not a firewall', async () => {
    const accepted = new Set<Socket>()
    const silent: Server = createServer((socket) => accepted.add(socket))
    const port = await new Promise<number>((resolve) =>
      silent.listen(0, '127.0.0.1', () => resolve((silent.address() as { port: number }).port)),
    )
    try {
      const result = await testConnection(
        profileFor({ host: '127.0.0.1', port }, { user: 'x', password: 'y', connectTimeoutMs: 1_000 }),
        'source',
      )
      expect(result.error).toMatchObject({
        code: 'CONN_NO_GREETING',
        message: `127.0.0.1:${port} accepted the TCP connection but sent no MySQL greeting within 1 s.`,
      })
      expect(result.error?.workaround).toMatch(/A firewall that drops packets would not have accepted the connection/)
    } finally {
      for (const socket of accepted) socket.destroy()
      await new Promise((resolve) => silent.close(resolve))
    }
  })

  it('unknown host → CONN_DNS on the dns hop', async () => {
    const result = await testConnection(
      profileFor({ host: 'no-such-host.invalid', port: 3306 }, { user: 'x', password: 'y' }),
      'source',
    )
    expect(result.error?.code).toBe('CONN_DNS')
    expect(result.hops).toEqual([expect.objectContaining({ hop: 'dns', ok: false })])
    expect(result.error?.message).toContain('no-such-host.invalid')
  })

  it('wrong password → CONN_AUTH on the auth hop, and the password appears nowhere', async () => {
    const secret = 'Wr0ng-Passw0rd-!@#-visible?'
    const profile = profileFor(sourceServer(), { user: users.reader.user, password: secret })
    const result = await testConnection(profile, 'source')
    expect(result.error?.code).toBe('CONN_AUTH')
    expect(result.hops.map((h) => [h.hop, h.ok])).toEqual([['auth', false]])
    expect(result.error?.message).toMatch(/refused the login/)
    expect(JSON.stringify(result)).not.toContain(secret)
    // openSession throws the same classified error, also without the password.
    const thrown = await openSession(profile, 'source').then(
      () => null,
      (error: unknown) => error,
    )
    expect(thrown).toMatchObject({ code: 'CONN_AUTH' })
    expect(JSON.stringify(thrown) + String((thrown as Error).message) + String((thrown as Error).stack)).not.toContain(
      secret,
    )
  })

  it('no password at all → CONN_AUTH saying none was sent', async () => {
    const result = await testConnection(profileFor(sourceServer(), { user: users.reader.user }), 'source')
    expect(result.error?.code).toBe('CONN_AUTH')
    expect(result.error?.workaround).toMatch(/No password was sent/)
  })

  it('account without REPLICATION SLAVE → the binlog hop fails with CONN_PRIVILEGE and the exact GRANT', async () => {
    const profile = profileFor(sourceServer(), { user: users.noRepl.user, password: users.noRepl.password })
    const result = await testConnection(profile, 'source')
    expect(result.ok).toBe(false)
    expect(result.hops.slice(0, -1).every((h) => h.ok)).toBe(true)
    expect(result.hops.at(-1)).toMatchObject({ hop: 'binlog', ok: false })
    expect(result.binlog?.ok).toBe(false)
    expect(result.error?.code).toBe('CONN_PRIVILEGE')
    expect(result.error?.workaround).toContain(
      `GRANT REPLICATION SLAVE, BINLOG MONITOR, SELECT ON *.* TO '${users.noRepl.user}'@'%';`,
    )
    await expect.poll(() => openConnectionsOf(users.noRepl.user), { timeout: 3_000 }).toBe(0)
  })

  it('ed25519 account → CONN_AUTH naming the plugin and the ALTER USER fix', async () => {
    const profile = profileFor(sourceServer(), { user: users.ed.user, password: users.ed.password })
    const result = await testConnection(profile, 'source')
    expect(result.error?.code).toBe('CONN_AUTH')
    expect(result.error?.message).toContain('client_ed25519')
    expect(result.error?.workaround).toMatch(/IDENTIFIED VIA mysql_native_password USING PASSWORD/)
    expect(JSON.stringify(result)).not.toContain(users.ed.password)
  })

  it('an aborted test stops with CONN_ABORTED', async () => {
    const controller = new AbortController()
    controller.abort()
    const profile = profileFor(sourceServer(), { user: users.reader.user, password: users.reader.password })
    const result = await testConnection(profile, 'source', { signal: controller.signal })
    expect(result.error?.code).toBe('CONN_ABORTED')
  })
})
