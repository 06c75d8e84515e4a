import { lookup } from 'node:dns/promises'
import { describe, expect, it } from 'vitest'
import { connectionSchema } from '../../../shared/domain/connection'
import { classifyConnectionError, redactSecrets, type ConnectionHop } from './connectionErrors'
import { tidbCloudServerlessProfile } from './openSession'
import { pluginFromCreateUser } from './testConnection'

const secret = 'S3cr3t-Pa55!'
const profile = connectionSchema.parse({
  host: 'db.internal',
  port: 3306,
  user: 'migrator',
  password: secret,
  ssh: {
    host: 'bastion.example.com',
    user: 'ec2-user',
    password: 'ssh-Secret-9',
    passphrase: 'pass-Phrase-7',
    privateKey: '/home/me/.ssh/id_ed25519',
  },
})

function classify(error: object, hop: ConnectionHop) {
  return classifyConnectionError(
    Object.assign(new Error(String((error as { message?: string }).message ?? 'x')), error),
    { hop, profile, side: 'source' },
  )
}

describe('classifyConnectionError', () => {
  it('a host name the resolver refuses (getaddrinfo EINVAL) → CONN_DNS naming the length rule, not a server error', async () => {
    const host = 'a'.repeat(300)
    const error: unknown = await lookup(host).catch((e: unknown) => e)
    const classified = classifyConnectionError(error, {
      hop: 'dns',
      profile: { ...profile, host, ssh: null },
      side: 'source',
    })
    expect(classified.code).toBe('CONN_DNS')
    expect(classified.message).toContain('a DNS label is at most 63 characters; label 1 of this host name has 300')
    expect(classified.workaround).toMatch(/Correct the host name/)
  })

  it.each([
    [{ code: 'ENOTFOUND', message: 'getaddrinfo ENOTFOUND db.internal' }, 'dns', 'CONN_DNS'],
    [{ code: 'EAI_AGAIN', message: 'getaddrinfo EAI_AGAIN db.internal' }, 'tcp', 'CONN_DNS'],
    [{ code: 'ECONNREFUSED', message: 'connect ECONNREFUSED 10.0.0.5:3306' }, 'tcp', 'CONN_REFUSED'],
    [{ code: 'ETIMEDOUT', message: 'connect ETIMEDOUT' }, 'tcp', 'CONN_TIMEOUT'],
    [{ code: 'EHOSTUNREACH', errno: -113, message: 'connect EHOSTUNREACH 10.9.9.9:3306' }, 'tcp', 'CONN_UNREACHABLE'],
    [{ code: 'ENETUNREACH', errno: -101, message: 'connect ENETUNREACH 10.9.9.9:3306' }, 'tcp', 'CONN_UNREACHABLE'],
    [{ code: 'ECONNREFUSED', message: 'connect ECONNREFUSED', level: 'client-socket' }, 'ssh', 'SSH_UNREACHABLE'],
    [{ level: 'client-timeout', message: 'Timed out while waiting for handshake' }, 'ssh', 'SSH_UNREACHABLE'],
    [{ level: 'client-authentication', message: 'All configured authentication methods failed' }, 'ssh', 'SSH_AUTH'],
    [{ message: 'Cannot parse privateKey: Unsupported key format' }, 'ssh', 'SSH_KEY_FILE'],
    [{ message: '(SSH) Channel open failure: Connection refused' }, 'tcp', 'CONN_REFUSED'],
    [
      { code: 'HANDSHAKE_NO_SSL_SUPPORT', message: 'Server does not support secure connection' },
      'tls',
      'TLS_HANDSHAKE',
    ],
    [{ code: 'HANDSHAKE_SSL_ERROR', message: 'unable to verify the first certificate' }, 'tls', 'TLS_VERIFY'],
    [{ code: 'HANDSHAKE_SSL_ERROR', message: 'self-signed certificate in certificate chain' }, 'tls', 'TLS_VERIFY'],
    [
      { code: 'HANDSHAKE_SSL_ERROR', message: "Hostname/IP does not match certificate's altnames: Host: db.internal." },
      'tls',
      'TLS_VERIFY',
    ],
    [{ code: 'HANDSHAKE_SSL_ERROR', message: 'certificate has expired' }, 'tls', 'TLS_VERIFY'],
    [{ code: 'HANDSHAKE_SSL_ERROR', message: 'wrong version number' }, 'tls', 'TLS_HANDSHAKE'],
    [
      {
        code: 'ER_ACCESS_DENIED_ERROR',
        errno: 1045,
        message: "Access denied for user 'migrator'@'10.0.0.9' (using password: YES)",
      },
      'auth',
      'CONN_AUTH',
    ],
    [
      { code: 'ER_ACCESS_DENIED_NO_PASSWORD_ERROR', errno: 1698, message: "Access denied for user 'root'@'localhost'" },
      'auth',
      'CONN_AUTH',
    ],
    [
      {
        code: 'AUTH_SWITCH_PLUGIN_ERROR',
        message: 'Server requests authentication using unknown plugin client_ed25519. See TODO',
      },
      'auth',
      'CONN_AUTH',
    ],
    [
      {
        errno: 3159,
        message: 'Connections using insecure transport are prohibited while --require_secure_transport=ON.',
      },
      'auth',
      'CONN_AUTH',
    ],
    [
      {
        errno: 1227,
        message: 'Access denied; you need (at least one of) the REPLICATION SLAVE privilege(s) for this operation',
      },
      'binlog',
      'CONN_PRIVILEGE',
    ],
    [{ errno: 1044, message: "Access denied for user 'migrator'@'%' to database 'shop'" }, 'query', 'CONN_PRIVILEGE'],
    [
      { errno: 1142, message: "SELECT command denied to user 'migrator'@'%' for table 'user'" },
      'query',
      'CONN_PRIVILEGE',
    ],
    [{ code: 'PROTOCOL_SEQUENCE_TIMEOUT', message: 'Query inactivity timeout' }, 'query', 'CONN_QUERY_TIMEOUT'],
    [
      { code: 'PROTOCOL_CONNECTION_LOST', message: 'Connection lost: The server closed the connection.' },
      'tcp',
      'CONN_LOST',
    ],
    [{ errno: 1236, message: 'Could not find first log file name in binary log index file' }, 'binlog', 'CONN_BINLOG'],
    [{ errno: 1064, message: 'You have an error in your SQL syntax' }, 'query', 'CONN_QUERY'],
  ] as const)('%j during %s → %s', (error, hop, code) => {
    const classified = classify(error, hop)
    expect(classified.code).toBe(code)
    expect(classified.workaround.length).toBeGreaterThan(10)
  })

  it('names the TLS verification reason and the plugin', () => {
    expect(classify({ code: 'HANDSHAKE_SSL_ERROR', message: 'certificate has expired' }, 'tls').message).toContain(
      'CERT_HAS_EXPIRED',
    )
    const plugin = classify(
      {
        code: 'AUTH_SWITCH_PLUGIN_ERROR',
        message: 'Server requests authentication using unknown plugin client_ed25519.',
      },
      'auth',
    )
    expect(plugin.message).toContain('client_ed25519')
    expect(plugin.workaround).toContain(
      "ALTER USER 'migrator'@'%' IDENTIFIED VIA mysql_native_password USING PASSWORD('…')",
    )
  })

  it('asks for the exact privilege and, for the binlog, the full flavour-specific grant', () => {
    const mariadb = classifyConnectionError(
      Object.assign(
        new Error(
          'Access denied; you need (at least one of) the SUPER, BINLOG MONITOR privilege(s) for this operation',
        ),
        { errno: 1227 },
      ),
      {
        hop: 'binlog',
        profile,
        server: { flavor: 'mariadb', version: '10.11.19', versionString: '', auroraRole: null, tidbVersionText: null },
      },
    )
    expect(mariadb.workaround).toContain("GRANT BINLOG MONITOR ON *.* TO 'migrator'@'%';")
    expect(mariadb.workaround).toContain("GRANT REPLICATION SLAVE, BINLOG MONITOR, SELECT ON *.* TO 'migrator'@'%';")
    const mysql = classifyConnectionError(
      Object.assign(new Error('Access denied; you need (at least one of) the SUPER, REPLICATION CLIENT privilege(s)'), {
        errno: 1227,
      }),
      {
        hop: 'binlog',
        profile,
        server: { flavor: 'mysql', version: '8.0.36', versionString: '', auroraRole: null, tidbVersionText: null },
      },
    )
    expect(mysql.workaround).toContain("GRANT REPLICATION CLIENT ON *.* TO 'migrator'@'%';")
    expect(mysql.workaround).toContain('REPLICATION SLAVE, REPLICATION CLIENT, SELECT')
  })

  it('never lets a password, SSH password or passphrase through, even when the cause quotes it', () => {
    for (const leaked of [secret, 'ssh-Secret-9', 'pass-Phrase-7']) {
      for (const hop of ['tcp', 'ssh', 'auth', 'query', 'binlog'] as const) {
        const classified = classify({ message: `weird failure mentioning ${leaked} twice: ${leaked}` }, hop)
        const text = JSON.stringify({ ...classified.toShape(), stack: classified.stack })
        expect(text).not.toContain(leaked)
      }
    }
  })

  it('redacts short secrets only as whole words', () => {
    expect(redactSecrets('a pass at a', ['a'])).toBe('*** pass at ***')
    expect(redactSecrets('x hunter2 y', ['hunter2'])).toBe('x *** y')
  })
})

describe('pluginFromCreateUser', () => {
  it.each([
    ["CREATE USER 'u'@'%' IDENTIFIED WITH 'caching_sha2_password' AS '$A$005$…' REQUIRE NONE", 'caching_sha2_password'],
    ["CREATE USER `u`@`%` IDENTIFIED WITH mysql_native_password AS '*AB12'", 'mysql_native_password'],
    ["CREATE USER `u`@`%` IDENTIFIED BY PASSWORD '*6BB4837EB74329105EE4568DDA7DC67ED2CA2AD9'", 'mysql_native_password'],
    ["CREATE USER `u`@`%` IDENTIFIED VIA ed25519 USING 'xyz'", 'ed25519'],
    [
      "CREATE USER `root`@`localhost` IDENTIFIED VIA mysql_native_password USING 'invalid' OR unix_socket",
      'mysql_native_password',
    ],
    ['CREATE USER `u`@`%`', 'mysql_native_password'],
  ])('%s → %s', (statement, plugin) => {
    expect(pluginFromCreateUser(statement)).toBe(plugin)
  })
})

describe('an unreachable host', () => {
  it('says there is no route to it, not that a server answered with an error', () => {
    const error = classifyConnectionError(
      Object.assign(new Error('connect EHOSTUNREACH 10.9.9.9:3306'), { code: 'EHOSTUNREACH', errno: -113 }),
      { hop: 'tcp', profile: { ...profile, host: '10.9.9.9', ssh: null }, side: 'source' },
    )
    expect(error.code).toBe('CONN_UNREACHABLE')
    expect(error.message).toBe(
      'The source host 10.9.9.9 cannot be reached: this machine has no route to it (EHOSTUNREACH, -113).',
    )
    expect(error.message).not.toMatch(/answered/)
    expect(error.workaround).toMatch(/VPN connected or an SSH tunnel/)
  })
})

describe('tidbCloudServerlessProfile', () => {
  it('is port 4000 with verify-identity against the system CAs', () => {
    const preset = tidbCloudServerlessProfile('gateway01.us-west-2.prod.aws.tidbcloud.com', '2abc.root')
    expect(preset).toMatchObject({ port: 4000, tls: { mode: 'verify-identity', ca: null }, ssh: null })
    expect(connectionSchema.parse(preset)).toEqual(preset)
  })
})
