/**
 * Opens a SqlSession to a source or target the way every stage needs it: utf8mb4 end to end, exact numbers
 * and dates as strings in UTC, TLS per the profile's mode, optionally through an SSH tunnel that lives and
 * dies with the session. Failures come out as CutoverErrors naming the hop (see connectionErrors.ts).
 */
import { connect as netConnect, type Socket } from 'node:net'
import { createConnection, type Connection, type ConnectionOptions, type SslOptions } from 'mysql2/promise'
import type { ConnectionProfile } from '../../../shared/domain/connection'
import { CutoverError } from '../../../shared/domain/errors'
import { classifyConnectionError, type ConnectionHop } from './connectionErrors'
import { explainMissingGreeting, foreignService, watchGreeting } from './foreignGreeting'
import { createSession, markSide, type SqlSession } from './session'
import { openSshTunnel, type SshTunnel } from './sshTunnel'
import { loadTlsMaterial, type TlsMaterial } from './tlsFiles'

export type Side = 'source' | 'target'

export interface OpenSessionOptions {
  signal?: AbortSignal
  database?: string
  onSocket?: (socket: Socket) => void
}

/**
 * TLS files and an SSH tunnel, prepared once and shared by every connection of one job or test: the query
 * session, and zongji's two binlog connections, which take plain mysql2 options.
 */
export interface ConnectRoute {
  readonly profile: ConnectionProfile
  readonly tunnel: SshTunnel | null
  /** False once a "preferred" connection found the server without TLS; later connections then go plain too. */
  readonly tlsActive: boolean
  /** Called by "preferred" mode when the server's handshake offers no TLS. */
  fallBackToPlain(): void
  /** `onSocket` sees each raw socket before mysql2 uses it (the connection test times the greeting with it). */
  connectionOptions(side: Side, database?: string, onSocket?: (socket: Socket) => void): ConnectionOptions
  close(): Promise<void>
}

function sslOptions(profile: ConnectionProfile, material: TlsMaterial): SslOptions | undefined {
  const files = { ca: material.ca, cert: material.cert, key: material.key }
  switch (profile.tls.mode) {
    case 'off':
      return undefined
    case 'preferred':
    case 'required':
      // Encrypted but unauthenticated, like the mysql client's --ssl-mode=REQUIRED.
      return { ...files, rejectUnauthorized: false }
    case 'verify-ca':
      // Chain checked against the CA (or Node's root store without one); the host name is not compared.
      return { ...files, rejectUnauthorized: true, verifyIdentity: false }
    case 'verify-identity':
      return { ...files, rejectUnauthorized: true, verifyIdentity: true }
  }
}

export function abortedError(): CutoverError {
  return new CutoverError({
    code: 'CONN_ABORTED',
    message: 'The connection attempt was cancelled.',
    workaround: 'Run it again.',
    retryable: true,
  })
}

export async function openRoute(
  profile: ConnectionProfile,
  options: { signal?: AbortSignal } = {},
): Promise<ConnectRoute> {
  if (options.signal?.aborted) throw abortedError()
  // Files first: a wrong CA path should be reported before any network wait.
  const material = await loadTlsMaterial(profile.tls)
  const tunnel = profile.ssh ? await openSshTunnel(profile, options) : null
  const ssl = sslOptions(profile, material)
  let tlsActive = ssl !== undefined

  return {
    profile,
    tunnel,
    get tlsActive() {
      return tlsActive
    },
    fallBackToPlain() {
      tlsActive = false
    },
    connectionOptions(side: Side, database?: string, onSocket?: (socket: Socket) => void): ConnectionOptions {
      const stream = (): Socket => {
        const socket = tunnel ? netConnect(tunnel.localPort, '127.0.0.1') : netConnect(profile.port, profile.host)
        // What mysql2 does for its own sockets (enableKeepAlive): long dump and binlog reads sit idle at times.
        socket.setKeepAlive(true)
        // mysql2 gives Node no servername for an IP host, and Node's identity check then falls back to
        // socket._host, which is unset for IP addresses and tunnel sockets, and finally to "localhost": a
        // certificate for "localhost" would pass verify-identity to any IP. Pin it to the host the user named.
        ;(socket as Socket & { _host?: string })._host = profile.host
        onSocket?.(socket)
        return socket
      }
      return {
        // Through a tunnel mysql2 still gets the real host name: it is the TLS server name that
        // verify-identity checks, while the bytes go to the tunnel's local port (see stream above).
        host: profile.host,
        port: profile.port,
        stream,
        user: profile.user,
        password: profile.password ?? '',
        ...(database ? { database } : {}),
        connectTimeout: profile.connectTimeoutMs,
        // Names and data must arrive byte-exact: utf8mb4 for client, connection and results. general_ci is
        // the one utf8mb4 collation every supported server (MySQL 5.6+, MariaDB, TiDB) knows by id.
        charset: 'UTF8MB4_GENERAL_CI',
        supportBigNumbers: true,
        bigNumberStrings: true,
        dateStrings: true,
        // JSON as its exact text, as zongji delivers it, so dump and replication agree (toolchain.md §6).
        jsonStrings: true,
        timezone: 'Z',
        multipleStatements: false,
        // Only the target ever loads with LOAD DATA LOCAL; the source must not be able to ask for local files.
        flags: side === 'target' ? ['+LOCAL_FILES'] : ['-LOCAL_FILES'],
        ...(tlsActive && ssl ? { ssl } : {}),
      }
    },
    close: async () => {
      await tunnel?.close()
    },
  }
}

/** Resolves with the connection, or rejects on abort and then ends the connection if it arrives late. */
function connectAbortable(options: ConnectionOptions, signal?: AbortSignal): Promise<Connection> {
  const pending = createConnection(options)
  if (!signal) return pending
  return new Promise((resolve, reject) => {
    const onAbort = (): void => {
      reject(abortedError())
      pending.then(
        (late) => late.destroy(),
        () => undefined,
      )
    }
    if (signal.aborted) return onAbort()
    signal.addEventListener('abort', onAbort, { once: true })
    pending.then(
      (connection) => {
        signal.removeEventListener('abort', onAbort)
        if (signal.aborted) connection.destroy()
        else resolve(connection)
      },
      (error: unknown) => {
        signal.removeEventListener('abort', onAbort)
        reject(error)
      },
    )
  })
}

/** The hop a raw mysql2 connect error most likely belongs to, so the classifier gets the right context. */
function connectHop(error: unknown): ConnectionHop {
  const code = (error as { code?: string }).code ?? ''
  const errno = (error as { errno?: number }).errno
  if (code === 'HANDSHAKE_SSL_ERROR' || code === 'HANDSHAKE_NO_SSL_SUPPORT') return 'tls'
  if (errno !== undefined && errno >= 1000) return 'auth'
  if (code.startsWith('AUTH_') || code.startsWith('ER_')) return 'auth'
  return 'tcp'
}

/** A mysql2 connection over the route, falling back to plain text only where the mode allows it. */
export async function connectOverRoute(
  route: ConnectRoute,
  side: Side,
  options: OpenSessionOptions = {},
): Promise<Connection> {
  const { profile, tunnel } = route
  let watch = watchGreeting()
  const attempt = (): Promise<Connection> => {
    watch = watchGreeting()
    const onSocket = (socket: Socket): void => {
      watch.observe(socket)
      options.onSocket?.(socket)
    }
    return connectAbortable(route.connectionOptions(side, options.database, onSocket), options.signal)
  }
  try {
    return await attempt()
  } catch (error) {
    // Through a tunnel every connection is accepted locally: only a banner says what the bastion reached.
    const explained =
      tunnel && !foreignService(watch.firstBytes) ? null : await explainMissingGreeting(profile, watch, error)
    if (explained) throw explained
    // "preferred" falls back only when the server's handshake says it has no TLS at all; a failed handshake
    // with a TLS-capable server is an error, so an attacker cannot force plain text by breaking the handshake.
    if (
      profile.tls.mode === 'preferred' &&
      route.tlsActive &&
      (error as { code?: string }).code === 'HANDSHAKE_NO_SSL_SUPPORT'
    ) {
      route.fallBackToPlain()
      try {
        return await attempt()
      } catch (plainError) {
        throw classifyConnectionError(plainError, { hop: connectHop(plainError), profile, side })
      }
    }
    // A dropped tunnel connection is explained by what the bastion said when asked to forward.
    const forwardError = tunnel?.lastForwardError()
    const cause = forwardError && connectHop(error) === 'tcp' ? forwardError : error
    throw classifyConnectionError(cause, { hop: connectHop(cause), profile, side })
  }
}

/** Session settings every connection gets, so values read and written are in UTC regardless of the server. */
export async function prepareSession(session: SqlSession, profile: ConnectionProfile): Promise<void> {
  try {
    await session.query("SET time_zone = '+00:00'")
  } catch (error) {
    throw classifyConnectionError(error, { hop: 'query', profile, side: session.side })
  }
}

export async function openSessionOnRoute(
  route: ConnectRoute,
  side: Side,
  options: OpenSessionOptions & { closeRouteWithSession?: boolean } = {},
): Promise<SqlSession> {
  const raw = await connectOverRoute(route, side, options).catch((error: unknown) =>
    Promise.reject(markSide(error, side)),
  )
  // Without a handler a server-side disconnect while idle would crash the process.
  raw.on('error', () => undefined)
  const session = createSession(
    raw,
    side,
    options.closeRouteWithSession ? () => route.close() : undefined,
    route.profile.queryTimeoutMs,
  )
  try {
    await prepareSession(session, route.profile)
  } catch (error) {
    await session.close()
    throw markSide(error, side)
  }
  return session
}

export async function openSession(
  profile: ConnectionProfile,
  side: Side,
  options: OpenSessionOptions = {},
): Promise<SqlSession> {
  const route = await openRoute(profile, options)
  try {
    return await openSessionOnRoute(route, side, { ...options, closeRouteWithSession: true })
  } catch (error) {
    await route.close()
    throw error
  }
}

/** The TLS protocol and cipher a session negotiated, or null for plain text. */
export function sessionTls(session: SqlSession): { version: string; cipher: string } | null {
  const stream = (session.raw as unknown as { connection?: { stream?: unknown } }).connection?.stream as
    { encrypted?: boolean; getProtocol?: () => string | null; getCipher?: () => { name: string } } | undefined
  if (!stream?.encrypted || !stream.getProtocol || !stream.getCipher) return null
  return { version: stream.getProtocol() ?? 'unknown', cipher: stream.getCipher().name }
}

/** TiDB Cloud Serverless: TLS with full verification against the public root CAs Node ships, port 4000. */
export function tidbCloudServerlessProfile(host: string, user: string): ConnectionProfile {
  return {
    host,
    port: 4000,
    user,
    tls: { mode: 'verify-identity', ca: null, cert: null, key: null },
    ssh: null,
    connectTimeoutMs: 10_000,
    queryTimeoutMs: 60_000,
  }
}
