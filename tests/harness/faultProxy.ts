/**
 * A loopback TCP proxy between Cutover and a server, for fault tests. It listens on a free 127.0.0.1 port and
 * forwards each accepted connection to the upstream host:port. Controls:
 * - `pass()`: forward everything, accept new connections (the start state); connections one side closed during a
 *   black hole are closed on the other side too;
 * - `resetAfter(text)`: when a client chunk containing `text` (say, a statement) arrives, forwards it and cuts that
 *   connection: the client gets an RST at once and never the answer, the server gets the chunk and then a FIN (it
 *   reads and runs the whole statement); every other connection is reset;
 * - `reset()`: end every open connection with an RST on both sides (`resetAndDestroy`);
 * - `refuse()`: new connections are reset at once (the port stays open, so the client sees ECONNRESET), open ones
 *   are left as they are;
 * - `blackHole(direction)`: keep every socket open but stop forwarding bytes in one or both directions, with no
 *   FIN and no RST; held bytes are dropped, as a lost route would drop them. New connections are black-holed too.
 */
import { createServer, connect, type Server, type Socket } from 'node:net'

/** `toServer`: client → server bytes are dropped; `toClient`: server → client; `both`: either way. */
export type BlackHoleDirection = 'toServer' | 'toClient' | 'both'

export type ProxyMode = { kind: 'pass' } | { kind: 'refuse' } | { kind: 'blackHole'; direction: BlackHoleDirection }

export interface FaultProxy {
  readonly host: string
  readonly port: number
  readonly mode: ProxyMode
  /** Connections currently open through the proxy. */
  readonly openConnections: number
  /** Connections accepted since the start (refused ones included). */
  readonly acceptedConnections: number
  pass(): void
  reset(): void
  refuse(): void
  blackHole(direction?: BlackHoleDirection): void
  /** Resolves once a client chunk containing `text` was forwarded and its connection cut, every other reset. */
  resetAfter(text: string): Promise<void>
  close(): Promise<void>
}

interface Pair {
  client: Socket
  server: Socket
  /** Cut by `resetAfter`: the server's answer is dropped. */
  cut?: boolean
}

export async function startFaultProxy(upstream: { host: string; port: number }): Promise<FaultProxy> {
  let mode: ProxyMode = { kind: 'pass' }
  let accepted = 0
  const pairs = new Set<Pair>()
  let trigger: { text: Buffer; fire: (pair: Pair) => void } | null = null

  const drops = (direction: 'toServer' | 'toClient') =>
    mode.kind === 'blackHole' && (mode.direction === direction || mode.direction === 'both')

  const destroy = (pair: Pair) => {
    pairs.delete(pair)
    if (!pair.client.destroyed) pair.client.resetAndDestroy()
    // A cut connection's server side ends by itself, after the FIN that follows the statement.
    if (!pair.server.destroyed && !pair.cut) pair.server.resetAndDestroy()
  }

  const server: Server = createServer((client) => {
    accepted++
    if (mode.kind === 'refuse') {
      client.resetAndDestroy()
      return
    }
    const upstreamSocket = connect({ host: upstream.host, port: upstream.port })
    const pair: Pair = { client, server: upstreamSocket }
    pairs.add(pair)
    // Bytes are forwarded by hand (not pipe) so that a black hole can drop them without closing anything.
    client.on('data', (chunk: Buffer) => {
      if (drops('toServer')) return
      upstreamSocket.write(chunk)
      if (trigger && chunk.includes(trigger.text)) trigger.fire(pair)
    })
    upstreamSocket.on('data', (chunk) => {
      if (!drops('toClient') && !pair.cut) client.write(chunk)
    })
    // A FIN from one side is passed on unless the path is black-holed; an error resets the other side.
    client.on('end', () => {
      if (!drops('toServer')) upstreamSocket.end()
    })
    upstreamSocket.on('end', () => {
      if (!drops('toClient')) client.end()
    })
    client.on('error', () => destroy(pair))
    upstreamSocket.on('error', () => destroy(pair))
    client.on('close', () => {
      if (!drops('toServer')) destroy(pair)
    })
    upstreamSocket.on('close', () => {
      if (!drops('toClient')) destroy(pair)
    })
  })

  await new Promise<void>((resolve, reject) => {
    server.once('error', reject)
    server.listen(0, '127.0.0.1', () => {
      server.off('error', reject)
      resolve()
    })
  })
  const address = server.address()
  if (address === null || typeof address === 'string') throw new Error('the fault proxy has no TCP address')

  return {
    host: '127.0.0.1',
    port: address.port,
    get mode() {
      return mode
    },
    get openConnections() {
      return pairs.size
    },
    get acceptedConnections() {
      return accepted
    },
    pass() {
      mode = { kind: 'pass' }
      // A side that closed while its bytes were held: its FIN now gets through (as TCP retransmits it once the
      // route is back), so the server ends the session it still held, with its locks.
      for (const pair of [...pairs]) if (pair.client.destroyed || pair.server.destroyed) destroy(pair)
    },
    reset() {
      for (const pair of [...pairs]) destroy(pair)
    },
    refuse() {
      mode = { kind: 'refuse' }
    },
    blackHole(direction = 'both') {
      mode = { kind: 'blackHole', direction }
    },
    resetAfter(text) {
      return new Promise<void>((resolve) => {
        trigger = {
          text: Buffer.from(text, 'utf8'),
          fire: (cut) => {
            trigger = null
            cut.cut = true
            pairs.delete(cut)
            cut.client.resetAndDestroy()
            // After the statement's bytes: the server reads all of it before it sees the connection end.
            cut.server.end()
            for (const pair of [...pairs]) destroy(pair)
            resolve()
          },
        }
      })
    },
    async close() {
      for (const pair of [...pairs]) destroy(pair)
      await new Promise<void>((resolve) => server.close(() => resolve()))
    },
  }
}
