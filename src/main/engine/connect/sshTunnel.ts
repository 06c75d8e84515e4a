/**
 * An SSH tunnel to a database behind a bastion: a listener on 127.0.0.1:<random> whose every connection is
 * forwarded (direct-tcpip) to the database host and port as the bastion sees them. A local listener rather than
 * one channel per connection, because zongji opens its own two connections from plain mysql2 options.
 *
 * Host keys: the bastion's SHA-256 fingerprint is recorded and reported; this issue does not check it against
 * a known_hosts list, so the first connection trusts whatever key the bastion presents.
 */
import { createHash } from 'node:crypto'
import { readFile } from 'node:fs/promises'
import { createServer, type Server, type Socket } from 'node:net'
import type { ConnectConfig } from 'ssh2'
import type { ConnectionProfile } from '../../../shared/domain/connection'
import { CutoverError } from '../../../shared/domain/errors'
import { classifyConnectionError } from './connectionErrors'

export interface SshTunnel {
  /** Port on 127.0.0.1 that forwards to the database. */
  readonly localPort: number
  /** `SHA256:<base64>` of the bastion's host key, as `ssh-keygen -lf` prints it. */
  readonly hostKeyFingerprint: string
  /** The last error the bastion gave when opening a forwarded channel, to explain a dropped DB connection. */
  lastForwardError(): Error | null
  close(): Promise<void>
}

export function fingerprintOf(hostKey: Buffer): string {
  return `SHA256:${createHash('sha256').update(hostKey).digest('base64').replace(/=+$/, '')}`
}

async function authConfig(ssh: NonNullable<ConnectionProfile['ssh']>): Promise<Partial<ConnectConfig>> {
  const config: Partial<ConnectConfig> = {}
  if (ssh.privateKey) {
    try {
      config.privateKey = await readFile(ssh.privateKey)
    } catch (error) {
      throw new CutoverError({
        code: 'SSH_KEY_FILE',
        message: `The SSH private key file ${ssh.privateKey} cannot be read (${(error as NodeJS.ErrnoException).code ?? 'error'}).`,
        workaround: 'Check the path of the private key in the SSH settings.',
      })
    }
    if (ssh.passphrase) config.passphrase = ssh.passphrase
  }
  if (ssh.password) config.password = ssh.password
  if (!ssh.privateKey && !ssh.password) {
    throw new CutoverError({
      code: 'SSH_AUTH',
      message: `No password or private key is set for the SSH user ${ssh.user}@${ssh.host}.`,
      workaround: 'Enter the SSH password, or choose a private key file.',
    })
  }
  return config
}

function listenLocal(server: Server): Promise<number> {
  return new Promise((resolve, reject) => {
    server.once('error', reject)
    server.listen(0, '127.0.0.1', () => {
      server.off('error', reject)
      const address = server.address()
      if (address === null || typeof address === 'string') reject(new Error('the tunnel listener has no port'))
      else resolve(address.port)
    })
  })
}

export async function openSshTunnel(
  profile: ConnectionProfile,
  options: { signal?: AbortSignal } = {},
): Promise<SshTunnel> {
  const ssh = profile.ssh
  if (!ssh) throw new Error('openSshTunnel needs a profile with ssh settings')
  const auth = await authConfig(ssh)
  // Loaded on first use: most connections have no tunnel, and the module costs startup time.
  const { Client } = await import('ssh2')
  const client = new Client()
  let hostKeyFingerprint = ''

  await new Promise<void>((resolve, reject) => {
    const fail = (error: unknown): void => {
      cleanup()
      client.end()
      reject(classifyConnectionError(error, { hop: 'ssh', profile }))
    }
    const onAbort = (): void => fail(Object.assign(new Error('aborted'), { code: 'ABORT_ERR' }))
    const cleanup = (): void => {
      client.off('ready', onReady)
      client.off('error', fail)
      options.signal?.removeEventListener('abort', onAbort)
    }
    const onReady = (): void => {
      cleanup()
      resolve()
    }
    if (options.signal?.aborted) return onAbort()
    options.signal?.addEventListener('abort', onAbort, { once: true })
    client.once('ready', onReady)
    client.once('error', fail)
    try {
      client.connect({
        host: ssh.host,
        port: ssh.port,
        username: ssh.user,
        ...auth,
        readyTimeout: profile.connectTimeoutMs,
        keepaliveInterval: 15_000,
        hostVerifier: (key: Buffer) => {
          hostKeyFingerprint = fingerprintOf(key)
          return true
        },
      })
    } catch (error) {
      // ssh2 throws synchronously for a key it cannot parse or decrypt.
      fail(error)
    }
  })
  // After the handshake, a late socket error must not become an uncaught exception.
  client.on('error', () => undefined)

  let forwardError: Error | null = null
  const sockets = new Set<Socket>()
  const server = createServer((socket) => {
    sockets.add(socket)
    socket.once('close', () => sockets.delete(socket))
    socket.on('error', () => socket.destroy())
    socket.pause()
    client.forwardOut('127.0.0.1', socket.remotePort ?? 0, profile.host, profile.port, (error, channel) => {
      if (error) {
        forwardError = error
        socket.destroy()
        return
      }
      channel.on('error', () => socket.destroy())
      channel.once('close', () => socket.destroy())
      socket.once('close', () => channel.destroy())
      socket.pipe(channel).pipe(socket)
      socket.resume()
    })
  })
  let localPort: number
  try {
    localPort = await listenLocal(server)
  } catch (error) {
    client.end()
    throw error
  }

  let closing: Promise<void> | null = null
  return {
    localPort,
    hostKeyFingerprint,
    lastForwardError: () => forwardError,
    close: () =>
      (closing ??= new Promise<void>((resolve) => {
        for (const socket of sockets) socket.destroy()
        server.close(() => {
          client.end()
          resolve()
        })
      })),
  }
}
