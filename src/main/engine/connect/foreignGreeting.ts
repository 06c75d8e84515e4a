/**
 * What answers on a port that should hold a MySQL-compatible server. mysql2 waits for a MySQL greeting until its
 * connect timeout, so an SSH server's banner ("SSH-2.0-…", read as the start of a 4.7 MB packet) or an HTTP
 * server (silent until asked) used to end as "did not answer within 10 s" and be blamed on a firewall. The
 * watch sees the first bytes of each connection: a foreign banner ends the attempt at once, and a connection
 * that was accepted but stayed silent is asked, once, whether it speaks HTTP.
 */
import { connect, type Socket } from 'node:net'
import type { ConnectionProfile } from '../../../shared/domain/connection'
import { CutoverError } from '../../../shared/domain/errors'

/** A MySQL greeting starts with a 3-byte length and sequence 0; these protocols start with text. */
const foreignBanners: [RegExp, string][] = [
  [/^SSH-\d/, 'an SSH server'],
  [/^HTTP\/\d/, 'an HTTP server'],
]

export interface GreetingWatch {
  /** The TCP connection was accepted (for a direct connection: the server's host, not a tunnel's local end). */
  readonly connected: boolean
  /** The first bytes the server sent, up to 64. */
  readonly firstBytes: Buffer
  observe(socket: Socket): void
}

export function watchGreeting(): GreetingWatch {
  let connected = false
  let firstBytes = Buffer.alloc(0)
  return {
    get connected() {
      return connected
    },
    get firstBytes() {
      return firstBytes
    },
    observe(socket) {
      socket.once('connect', () => (connected = true))
      socket.on('data', (chunk: Buffer) => {
        if (firstBytes.length >= 64) return
        firstBytes = Buffer.concat([firstBytes, chunk]).subarray(0, 64)
        // mysql2 would wait for the rest of a "packet" that never comes; closing ends its handshake now.
        if (foreignService(firstBytes)) socket.destroy()
      })
    },
  }
}

/** The service a banner belongs to and its first line, or null for anything else (a MySQL greeting included). */
export function foreignService(firstBytes: Buffer): { service: string; line: string } | null {
  const text = firstBytes.toString('latin1')
  const line = text
    .split(/\r?\n/)[0]!
    .replace(/[^\x20-\x7e]/g, '?')
    .slice(0, 60)
  for (const [pattern, service] of foreignBanners) if (pattern.test(text)) return { service, line }
  return null
}

/** The status line an HTTP server answers a HEAD request with, or null after `timeoutMs` without one. */
export function probeHttp(host: string, port: number, timeoutMs = 2_000): Promise<string | null> {
  return new Promise((resolve) => {
    const socket = connect(port, host)
    let received = Buffer.alloc(0)
    const finish = (line: string | null): void => {
      clearTimeout(timer)
      socket.destroy()
      resolve(line)
    }
    const timer = setTimeout(() => finish(null), timeoutMs)
    socket.on('connect', () => socket.write(`HEAD / HTTP/1.0\r\nHost: ${host}\r\n\r\n`))
    socket.on('data', (chunk: Buffer) => {
      received = Buffer.concat([received, chunk])
      if (received.includes('\n') || received.length >= 64) finish(foreignService(received)?.line ?? null)
    })
    socket.on('error', () => finish(null))
    socket.on('close', () => finish(foreignService(received)?.line ?? null))
  })
}

function notMysql(profile: ConnectionProfile, service: string, line: string): CutoverError {
  return new CutoverError({
    code: 'CONN_NOT_MYSQL',
    message: `${profile.host}:${profile.port} is not a MySQL-compatible server: ${service} answers there ("${line}").`,
    workaround:
      service === 'an SSH server'
        ? `Use the database's own port (MySQL usually 3306, TiDB 4000). To reach the database through this SSH server, set it as the SSH tunnel and keep the database's host and port.`
        : "Use the database's SQL port (MySQL usually 3306, TiDB 4000; TiDB's 10080 is its HTTP status port).",
  })
}

/**
 * Why a direct connection that the server accepted produced no MySQL handshake, or null to keep the original
 * error: a foreign banner, an HTTP server found by asking, or silence for the whole connect timeout.
 */
export async function explainMissingGreeting(
  profile: ConnectionProfile,
  watch: GreetingWatch,
  error: unknown,
): Promise<CutoverError | null> {
  const banner = foreignService(watch.firstBytes)
  if (banner) return notMysql(profile, banner.service, banner.line)
  const timedOut = (error as { code?: string }).code === 'ETIMEDOUT'
  if (!watch.connected || watch.firstBytes.length > 0 || !timedOut) return null
  const http = await probeHttp(profile.host, profile.port)
  if (http) return notMysql(profile, 'an HTTP server', http)
  return new CutoverError({
    code: 'CONN_NO_GREETING',
    message: `${profile.host}:${profile.port} accepted the TCP connection but sent no MySQL greeting within ${profile.connectTimeoutMs / 1000} s.`,
    workaround:
      'Something that is not a MySQL-compatible server listens on that port, or a proxy / load balancer accepts connections with no healthy server behind it, or the server is hung. Check the port (MySQL usually 3306, TiDB 4000) and the server. A firewall that drops packets would not have accepted the connection.',
    retryable: true,
  })
}
