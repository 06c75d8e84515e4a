/**
 * The connection test behind the wizard's "Test connection", `cutover test-connection` and the precheck:
 * walks DNS → SSH → TCP → TLS → login → server → binlog, and stops at the first hop that fails, naming it and
 * its fix. Everything it opens (tunnel, session, binlog reader) is closed before it returns.
 */
import { lookup } from 'node:dns/promises'
import { isIP, type Socket } from 'node:net'
import type { ConnectionProfile } from '../../../shared/domain/connection'
import type {
  ConnectionHop,
  ConnectionHopResult,
  ConnectionTestResult,
  ServerInfo,
} from '../../../shared/domain/connectionTest'
import { CutoverError } from '../../../shared/domain/errors'
import { probeBinlog } from './binlogProbe'
import { classifyConnectionError, hopOfCode } from './connectionErrors'
import {
  abortedError,
  connectOverRoute,
  openRoute,
  prepareSession,
  sessionTls,
  type ConnectRoute,
  type Side,
} from './openSession'
import { describeServer, detectServer, unsupportedVersionReason } from './serverInfo'
import { createSession, type SqlSession } from './session'

export interface TestConnectionOptions {
  signal?: AbortSignal
  /** Limit for the binlog reader to become ready. */
  binlogTimeoutMs?: number
  /** Default: true for the source. */
  probeBinlog?: boolean
}

/** The account's authentication plugin from its own CREATE USER text; only the plugin name is kept. */
export function pluginFromCreateUser(statement: string): string | null {
  // MySQL / TiDB: IDENTIFIED WITH 'caching_sha2_password' AS '…'
  const withClause = /IDENTIFIED WITH\s+[`'"]?(\w+)[`'"]?/i.exec(statement)
  if (withClause) return withClause[1]!
  // MariaDB: IDENTIFIED VIA ed25519 USING '…' [OR unix_socket]; the first alternative is the one a password login uses.
  const viaClause = /IDENTIFIED VIA\s+[`'"]?(\w+)[`'"]?/i.exec(statement)
  if (viaClause) return viaClause[1]!
  // MariaDB writes native-password accounts as IDENTIFIED BY PASSWORD '*…', and password-less ones without a clause.
  if (
    /IDENTIFIED BY PASSWORD/i.test(statement) ||
    /^CREATE USER\s+\S+(\s+REQUIRE|\s+WITH|\s+PASSWORD|\s+ACCOUNT|\s*$)/i.test(statement)
  ) {
    return 'mysql_native_password'
  }
  return null
}

async function readAuthPlugin(session: SqlSession): Promise<string | null> {
  try {
    // Every account may read its own CREATE USER on MySQL 5.7+, MariaDB 10.2+ and TiDB.
    const rows = await session.query<Record<string, string>>('SHOW CREATE USER CURRENT_USER()')
    const text = rows[0] ? String(Object.values(rows[0])[0]) : ''
    const plugin = pluginFromCreateUser(text)
    if (plugin) return plugin
  } catch {
    // Older servers: fall through to mysql.user, which needs SELECT on it.
  }
  try {
    const rows = await session.query<{ plugin: string | null }>(
      "SELECT plugin FROM mysql.user WHERE CONCAT(User, '@', Host) = CURRENT_USER() LIMIT 1",
    )
    const plugin = rows[0]?.plugin
    return plugin ? String(plugin) : plugin === '' ? 'mysql_native_password' : null
  } catch {
    return null
  }
}

function elapsed(start: number): number {
  return Math.round(performance.now() - start)
}

export async function testConnection(
  profile: ConnectionProfile,
  side: Side,
  options: TestConnectionOptions = {},
): Promise<ConnectionTestResult> {
  const result: ConnectionTestResult = {
    ok: false,
    side,
    hops: [],
    server: null,
    authPlugin: null,
    tls: null,
    binlog: null,
    sshHostKey: null,
    error: null,
  }
  const pass = (hop: ConnectionHop, detail: string, ms: number): void => {
    result.hops.push({ hop, ok: true, detail, ms })
  }
  const fail = (
    error: unknown,
    hop: ConnectionHop,
    ms: number,
    server: ServerInfo | null = null,
  ): ConnectionTestResult => {
    const classified = classifyConnectionError(error, { hop, profile, side, server })
    // The binlog reader makes its own connections; whatever breaks there is the binlog hop's failure.
    const failedHop = hop === 'binlog' ? 'binlog' : (hopOfCode[classified.code] ?? hop)
    result.hops.push({
      hop: failedHop,
      ok: false,
      detail: `${classified.message} Fix: ${classified.workaround}`,
      ms,
    } satisfies ConnectionHopResult)
    result.error = classified.toShape()
    return result
  }
  const checkAbort = (): void => {
    if (options.signal?.aborted) throw abortedError()
  }

  // 1. DNS, with the resolver the OS gives net.connect. Through SSH the bastion resolves the database host,
  //    so only the bastion's own name is looked up here.
  const lookupHost = profile.ssh ? profile.ssh.host : profile.host
  let start = performance.now()
  if (isIP(lookupHost) === 0) {
    try {
      const address = await lookup(lookupHost)
      pass('dns', `${lookupHost} → ${address.address}${profile.ssh ? ' (SSH bastion)' : ''}`, elapsed(start))
    } catch (error) {
      return fail(error, profile.ssh ? 'ssh' : 'dns', elapsed(start))
    }
  }

  // 2. TLS files, then the SSH tunnel: both happen in openRoute, files first.
  start = performance.now()
  let route: ConnectRoute
  try {
    checkAbort()
    route = await openRoute(profile, { signal: options.signal })
  } catch (error) {
    return fail(error, profile.ssh ? 'ssh' : 'tls', elapsed(start))
  }
  if (route.tunnel) {
    result.sshHostKey = route.tunnel.hostKeyFingerprint
    pass(
      'ssh',
      `logged in to ${profile.ssh!.user}@${profile.ssh!.host}:${profile.ssh!.port}, host key ${route.tunnel.hostKeyFingerprint} (not checked against known hosts), forwarding to ${profile.host}:${profile.port}`,
      elapsed(start),
    )
  }

  let session: SqlSession | null = null
  try {
    // 3. TCP + TLS + login are one mysql2 handshake; the server's greeting marks where TCP ended.
    start = performance.now()
    let greetedAt: number | null = null
    const onSocket = (socket: Socket): void => {
      socket.once('data', () => (greetedAt ??= performance.now()))
    }
    try {
      checkAbort()
      const raw = await connectOverRoute(route, side, { signal: options.signal, onSocket })
      raw.on('error', () => undefined)
      session = createSession(raw, side, undefined, profile.queryTimeoutMs)
    } catch (error) {
      return fail(error, greetedAt === null ? 'tcp' : 'auth', elapsed(start))
    }
    const tcpMs = Math.round((greetedAt ?? performance.now()) - start)
    pass(
      'tcp',
      `${profile.host}:${profile.port}${route.tunnel ? ' (through the SSH tunnel)' : ''} answered with a MySQL protocol greeting`,
      tcpMs,
    )
    const loginMs = Math.round(performance.now() - (greetedAt ?? start))
    result.tls = sessionTls(session)
    const tlsDetail = result.tls
      ? `${result.tls.version}, ${result.tls.cipher}, ${{ off: '', preferred: 'certificate not verified', required: 'certificate not verified', 'verify-ca': 'certificate chain verified', 'verify-identity': 'certificate chain and host name verified' }[profile.tls.mode]}`
      : profile.tls.mode === 'preferred'
        ? 'the server offers no TLS; connected in plain text as "preferred" allows'
        : 'off (plain text)'
    pass('tls', tlsDetail, 0)

    start = performance.now()
    await prepareSession(session, profile)
    const [who] = await session.query<{ u: string }>('SELECT CURRENT_USER() AS u')
    const accountHost = who?.u.includes('@') ? who.u.slice(who.u.lastIndexOf('@') + 1) : null
    result.authPlugin = await readAuthPlugin(session)
    pass(
      'auth',
      `logged in as ${who?.u ?? profile.user}${result.authPlugin ? ` (${result.authPlugin})` : ''}`,
      loginMs + elapsed(start),
    )

    // 4. What the server is, and whether Cutover supports it.
    start = performance.now()
    let server: ServerInfo
    try {
      server = await detectServer(session)
    } catch (error) {
      return fail(error, 'query', elapsed(start))
    }
    result.server = server
    const tooOld = unsupportedVersionReason(server)
    if (tooOld) {
      return fail(
        new CutoverError({
          code: 'CONN_UNSUPPORTED_VERSION',
          message: `${tooOld} (server says "${server.versionString}")`,
          workaround: 'Upgrade the server, or migrate through a replica running a supported release.',
        }),
        'query',
        elapsed(start),
        server,
      )
    }
    pass('query', `${describeServer(server)} (${server.versionString})`, elapsed(start))

    // 5. The binlog reader, exactly as the incremental stage attaches it.
    if (options.probeBinlog ?? side === 'source') {
      checkAbort()
      start = performance.now()
      const probe = await probeBinlog(route, server, {
        timeoutMs: options.binlogTimeoutMs,
        signal: options.signal,
        accountHost,
      })
      result.binlog = { ok: probe.ok, detail: probe.detail }
      if (!probe.ok) return fail(probe.error, 'binlog', elapsed(start), server)
      pass('binlog', probe.detail, elapsed(start))
    }
    result.ok = true
    return result
  } catch (error) {
    return fail(error, 'query', 0, result.server)
  } finally {
    await session?.close().catch(() => undefined)
    await route.close()
  }
}
