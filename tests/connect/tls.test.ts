/**
 * TLS modes against a MariaDB started with certificates this suite generates with openssl: a CA, a server
 * certificate for the name "localhost" only (so verify-ca and verify-identity differ on 127.0.0.1), a client
 * certificate, an unrelated CA, an already-expired client certificate, and damaged files.
 */
import { execFileSync } from 'node:child_process'
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { connectionSchema, type ConnectionProfile, type TlsMode } from '../../src/shared/domain/connection'
import { openSession } from '../../src/main/engine/connect/openSession'
import { testConnection } from '../../src/main/engine/connect/testConnection'
import { loadTlsMaterial } from '../../src/main/engine/connect/tlsFiles'
import { sourceServer, startMariaDb, type MariaDbServer } from '../harness/servers'

let dir = ''
let server: MariaDbServer
const file = (name: string): string => join(dir, name)
const accounts = {
  plain: { user: 'tls_plain', password: 'pw-plain-1234' },
  ssl: { user: 'tls_required', password: 'pw-ssl-1234' },
  x509: { user: 'tls_x509', password: 'pw-x509-1234' },
}

function openssl(...args: string[]): void {
  execFileSync('openssl', args, { cwd: dir, stdio: 'pipe' })
}

function issue(name: string, subject: string, ca: string, extra: string[] = [], ext?: string): void {
  openssl('req', '-newkey', 'rsa:2048', '-nodes', '-keyout', `${name}.key`, '-out', `${name}.csr`, '-subj', subject)
  if (ext) writeFileSync(file(`${name}.ext`), ext)
  openssl(
    'x509',
    '-req',
    '-in',
    `${name}.csr`,
    '-CA',
    `${ca}.pem`,
    '-CAkey',
    `${ca}.key`,
    '-CAcreateserial',
    '-out',
    `${name}.pem`,
    ...extra,
    ...(ext ? ['-extfile', `${name}.ext`] : []),
  )
}

beforeAll(async () => {
  dir = mkdtempSync(join(tmpdir(), 'cutover-tls-'))
  openssl(
    'req',
    '-x509',
    '-newkey',
    'rsa:2048',
    '-nodes',
    '-keyout',
    'ca.key',
    '-out',
    'ca.pem',
    '-days',
    '2',
    '-subj',
    '/CN=Cutover Test CA',
  )
  openssl(
    'req',
    '-x509',
    '-newkey',
    'rsa:2048',
    '-nodes',
    '-keyout',
    'other-ca.key',
    '-out',
    'other-ca.pem',
    '-days',
    '2',
    '-subj',
    '/CN=Unrelated CA',
  )
  issue('server', '/CN=localhost', 'ca', ['-days', '2'], 'subjectAltName=DNS:localhost\nextendedKeyUsage=serverAuth\n')
  issue('client', '/CN=cutover-client', 'ca', ['-days', '2'], 'extendedKeyUsage=clientAuth\n')
  // -days -1 puts notAfter a day before notBefore: an expired certificate without faking the clock.
  issue('expired', '/CN=expired-client', 'ca', ['-days', '-1'], 'extendedKeyUsage=clientAuth\n')
  writeFileSync(
    file('damaged.pem'),
    '-----BEGIN CERTIFICATE-----\nbm90IGEgY2VydGlmaWNhdGU=\n-----END CERTIFICATE-----\n',
  )
  writeFileSync(file('notpem.txt'), 'hello, I am not a certificate\n')

  server = await startMariaDb({
    name: 'tls',
    binlog: { format: 'ROW', rowImage: 'FULL', rowMetadata: 'FULL' },
    extraArgs: [`--ssl-ca=${file('ca.pem')}`, `--ssl-cert=${file('server.pem')}`, `--ssl-key=${file('server.key')}`],
  })
  await server.query('CREATE USER ?@? IDENTIFIED BY ?', [accounts.plain.user, '%', accounts.plain.password])
  await server.query('CREATE USER ?@? IDENTIFIED BY ? REQUIRE SSL', [accounts.ssl.user, '%', accounts.ssl.password])
  await server.query('CREATE USER ?@? IDENTIFIED BY ? REQUIRE X509', [accounts.x509.user, '%', accounts.x509.password])
}, 120_000)

afterAll(async () => {
  await server?.stop()
  if (dir) rmSync(dir, { recursive: true, force: true })
})

function profile(
  mode: TlsMode,
  tls: { ca?: string; cert?: string; key?: string } = {},
  options: { host?: string; account?: keyof typeof accounts } = {},
): ConnectionProfile {
  const account = accounts[options.account ?? 'plain']
  return connectionSchema.parse({
    host: options.host ?? '127.0.0.1',
    port: server.port,
    ...account,
    tls: { mode, ...Object.fromEntries(Object.entries(tls).map(([k, v]) => [k, file(v)])) },
  })
}

describe('TLS modes', () => {
  it('verify-ca with the right CA connects over TLS to 127.0.0.1 (chain checked, name not)', async () => {
    const result = await testConnection(profile('verify-ca', { ca: 'ca.pem' }), 'target')
    expect(result.error).toBeNull()
    expect(result.tls?.version).toMatch(/^TLSv1\.[23]$/)
    expect(result.hops.find((h) => h.hop === 'tls')?.detail).toMatch(/certificate chain verified/)
  })

  it("verify-identity with the right CA connects to the certificate's name (localhost)", async () => {
    const result = await testConnection(profile('verify-identity', { ca: 'ca.pem' }, { host: 'localhost' }), 'target')
    expect(result.error).toBeNull()
    expect(result.tls).not.toBeNull()
  })

  it('verify-identity to an address the certificate does not name fails with TLS_VERIFY (ERR_TLS_CERT_ALTNAME_INVALID)', async () => {
    const result = await testConnection(profile('verify-identity', { ca: 'ca.pem' }), 'target')
    expect(result.error?.code).toBe('TLS_VERIFY')
    expect(result.error?.message).toContain('ERR_TLS_CERT_ALTNAME_INVALID')
    expect(result.hops.at(-1)).toMatchObject({ hop: 'tls', ok: false })
  })

  it('an unrelated CA fails verification with TLS_VERIFY naming the reason', async () => {
    for (const mode of ['verify-ca', 'verify-identity'] as const) {
      const result = await testConnection(profile(mode, { ca: 'other-ca.pem' }, { host: 'localhost' }), 'target')
      expect(result.error?.code).toBe('TLS_VERIFY')
      expect(result.error?.message).toMatch(
        /UNABLE_TO_VERIFY_LEAF_SIGNATURE|SELF_SIGNED_CERT_IN_CHAIN|UNABLE_TO_GET_ISSUER/,
      )
      expect(result.error?.workaround).toContain('other-ca.pem')
    }
  })

  it('the binlog reader attaches over the same verified TLS route (its account is REQUIRE SSL)', async () => {
    // zongji opens its own two connections; with a REQUIRE SSL account a plain one would be refused (1045).
    await server.query('CREATE USER ?@? IDENTIFIED BY ? REQUIRE SSL', ['tls_binlog', '%', 'pw-binlog-1234'])
    await server.query('GRANT REPLICATION SLAVE, BINLOG MONITOR, SELECT ON *.* TO ?@?', ['tls_binlog', '%'])
    const reader = connectionSchema.parse({
      host: '127.0.0.1',
      port: server.port,
      user: 'tls_binlog',
      password: 'pw-binlog-1234',
      tls: { mode: 'verify-ca', ca: file('ca.pem') },
    })
    const result = await testConnection(reader, 'source')
    expect(result.error).toBeNull()
    expect(result.tls).not.toBeNull()
    expect(result.binlog?.ok).toBe(true)
  })

  it('required encrypts without checking the certificate; preferred uses TLS when offered', async () => {
    for (const mode of ['required', 'preferred'] as const) {
      const session = await openSession(profile(mode), 'target')
      try {
        const [row] = await session.query<{ Value: string }>("SHOW SESSION STATUS LIKE 'Ssl_version'")
        expect(row?.Value).toMatch(/^TLSv1\.[23]$/)
      } finally {
        await session.close()
      }
    }
  })

  it('a client certificate satisfies a REQUIRE X509 account; without it the login is refused', async () => {
    const ok = await testConnection(
      profile('verify-ca', { ca: 'ca.pem', cert: 'client.pem', key: 'client.key' }, { account: 'x509' }),
      'target',
    )
    expect(ok.error).toBeNull()
    const refused = await testConnection(profile('verify-ca', { ca: 'ca.pem' }, { account: 'x509' }), 'target')
    expect(refused.error?.code).toBe('CONN_AUTH')
    // The server's answer is the wrong-password one; the fix must name the missing certificate first.
    expect(refused.error?.message).toMatch(/Access denied .*using password: YES/)
    expect(refused.error?.workaround).toMatch(
      /^No client certificate was sent: if '[^']+' was created with REQUIRE X509 .* set the client certificate and key files\./,
    )
  })

  it('a REQUIRE SSL account over plain text fails with CONN_AUTH that points at the TLS mode', async () => {
    const result = await testConnection(profile('off', {}, { account: 'ssl' }), 'target')
    expect(result.error?.code).toBe('CONN_AUTH')
    expect(result.error?.workaround).toMatch(/REQUIRE SSL, set the TLS mode to "required"/)
    const over = await testConnection(profile('required', {}, { account: 'ssl' }), 'target')
    expect(over.error).toBeNull()
  })
})

describe('TLS against a server without TLS (the harness source)', () => {
  function sourceProfile(mode: TlsMode): ConnectionProfile {
    const source = sourceServer()
    return connectionSchema.parse({
      host: source.host,
      port: source.port,
      user: source.user,
      password: source.password,
      tls: { mode },
    })
  }
  it('required fails with TLS_HANDSHAKE saying the server offers no TLS', async () => {
    const result = await testConnection(sourceProfile('required'), 'source', { probeBinlog: false })
    expect(result.error?.code).toBe('TLS_HANDSHAKE')
    expect(result.error?.message).toMatch(/does not offer TLS/)
    expect(result.hops.at(-1)).toMatchObject({ hop: 'tls', ok: false })
  })
  it('preferred falls back to plain text, says so, and the binlog reader follows the same route', async () => {
    const result = await testConnection(sourceProfile('preferred'), 'source')
    expect(result.error).toBeNull()
    expect(result.tls).toBeNull()
    expect(result.hops.find((h) => h.hop === 'tls')?.detail).toMatch(/offers no TLS; connected in plain text/)
    expect(result.binlog?.ok).toBe(true)
  })
})

describe('TLS files are checked before connecting', () => {
  it('an expired client certificate → CONN_TLS_FILE naming the file, with no network hop attempted', async () => {
    const result = await testConnection(
      profile('verify-ca', { ca: 'ca.pem', cert: 'expired.pem', key: 'expired.key' }),
      'target',
    )
    expect(result.error?.code).toBe('CONN_TLS_FILE')
    expect(result.error?.message).toContain(file('expired.pem'))
    expect(result.error?.message).toMatch(/expired on \d{4}-/)
    expect(result.hops).toEqual([expect.objectContaining({ hop: 'tls', ok: false })])
  })

  it('a damaged PEM, a non-PEM file, a missing file and a key of another certificate are each named', async () => {
    const cases: [Parameters<typeof profile>[1], RegExp][] = [
      [{ ca: 'damaged.pem' }, /CA certificate file .*damaged\.pem has a malformed certificate/],
      [{ ca: 'notpem.txt' }, /CA certificate file .*notpem\.txt is not a PEM file/],
      [{ ca: 'missing.pem' }, /CA certificate file .*missing\.pem does not exist/],
      [
        { cert: 'client.pem', key: 'server.key' },
        /client key file .*server\.key does not belong to the client certificate/,
      ],
      [{ cert: 'client.pem' }, /client certificate file .*client\.pem is set without a client key/],
    ]
    for (const [tls, message] of cases) {
      const error = await loadTlsMaterial(profile('verify-ca', tls).tls).then(
        () => null,
        (e: unknown) => e,
      )
      expect(error).toMatchObject({ code: 'CONN_TLS_FILE' })
      expect((error as Error).message).toMatch(message)
      expect((error as { workaround: string }).workaround.length).toBeGreaterThan(10)
    }
  })

  it('never reads files when TLS is off', async () => {
    await expect(loadTlsMaterial({ mode: 'off', ca: file('missing.pem') })).resolves.toEqual({})
  })
})
