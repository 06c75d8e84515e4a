/**
 * The browser bridge (`cutover serve`): the renderer's static files and the IPC contract over a WebSocket,
 * on 127.0.0.1 only. Every HTTP path and the socket sit under a random token (`/<token>/…`), so a page that
 * does not know the printed URL gets nothing; the socket also demands our own Origin and Host (no DNS
 * rebinding, no cross-site WebSocket). Any local process can send it bytes, so no request, however malformed,
 * may throw out of a handler: a bad request gets a 4xx, a WebSocket protocol error closes that socket only.
 */
import { createReadStream } from 'node:fs'
import { stat } from 'node:fs/promises'
import { createServer } from 'node:http'
import type { IncomingMessage, ServerResponse } from 'node:http'
import type { AddressInfo } from 'node:net'
import type { Duplex } from 'node:stream'
import { pipeline } from 'node:stream'
import { extname, join, normalize, sep } from 'node:path'
import { randomBytes, timingSafeEqual } from 'node:crypto'
import { WebSocketServer } from 'ws'
import type { WebSocket } from 'ws'
import type { BridgeClientMessage, BridgeServerMessage } from '../../shared/ipc/contract'
import type { Dispatch } from '../ipc/dispatch'
import { createCoalescer } from '../ipc/eventCoalescer'
import type { EngineEvents } from '../engine/engineEvents'
import { contentSecurityPolicy } from '../window/contentSecurityPolicy'

export interface BridgeOptions {
  dispatch: Dispatch
  events: EngineEvents
  rendererDir: string
  port?: number
  /** For tests; otherwise 32 random bytes. */
  token?: string
}

export interface BridgeServer {
  url: string
  port: number
  token: string
  close(): Promise<void>
}

const contentTypes: Record<string, string> = {
  '.html': 'text/html; charset=utf-8',
  '.js': 'text/javascript; charset=utf-8',
  '.css': 'text/css; charset=utf-8',
  '.svg': 'image/svg+xml',
  '.png': 'image/png',
  '.ico': 'image/x-icon',
  '.json': 'application/json',
  '.woff2': 'font/woff2',
  '.map': 'application/json',
}

const maxMessageBytes = 4 * 1024 * 1024

function sameSecret(a: string, b: string): boolean {
  const x = Buffer.from(a)
  const y = Buffer.from(b)
  return x.length === y.length && timingSafeEqual(x, y)
}

const statusText: Record<number, string> = { 400: 'Bad Request', 403: 'Forbidden', 404: 'Not Found' }

function refuse(res: ServerResponse, status: 400 | 403 | 404): void {
  res.writeHead(status, { 'Content-Type': 'text/plain; charset=utf-8', 'Cache-Control': 'no-store' })
  res.end(`${statusText[status]}\n`)
}

/** The same answer on an upgrade socket, which Node hands over raw, without a ServerResponse. */
function refuseUpgrade(socket: Duplex, status: 400 | 403): void {
  socket.end(`HTTP/1.1 ${status} ${statusText[status]}\r\nConnection: close\r\n\r\n`)
}

/** A request's path, or null when its target is not a URL at all (`GET http://[`). */
function requestPath(req: IncomingMessage): string | null {
  try {
    return new URL(req.url ?? '/', 'http://x').pathname
  } catch {
    return null
  }
}

function decodedPath(path: string): string | null {
  try {
    return decodeURIComponent(path)
  } catch {
    return null
  }
}

export async function startBridgeServer(options: BridgeOptions): Promise<BridgeServer> {
  const token = options.token ?? randomBytes(32).toString('base64url')
  const root = normalize(options.rendererDir) + sep
  let port = 0

  const allowedHosts = () => new Set([`127.0.0.1:${port}`, `localhost:${port}`])
  const allowedOrigins = () => new Set([`http://127.0.0.1:${port}`, `http://localhost:${port}`])

  /** The path after `/<token>`; 400 when the request target does not parse, 403 when the token or Host is wrong. */
  function authorisedPath(req: IncomingMessage): string | 400 | 403 {
    if (!req.headers.host || !allowedHosts().has(req.headers.host)) return 403
    const path = requestPath(req)
    if (path === null) return 400
    const [, first, ...rest] = path.split('/')
    if (!first || !sameSecret(first, token)) return 403
    return '/' + rest.join('/')
  }

  async function serveStatic(req: IncomingMessage, res: ServerResponse, path: string): Promise<void> {
    if (req.method !== 'GET' && req.method !== 'HEAD') return refuse(res, 403)
    const relative = path === '/' ? 'index.html' : decodedPath(path.slice(1))
    if (relative === null) return refuse(res, 400)
    const file = normalize(join(root, relative))
    if (!file.startsWith(root)) return refuse(res, 404)
    try {
      const info = await stat(file)
      if (!info.isFile()) return refuse(res, 404)
      res.writeHead(200, {
        'Content-Type': contentTypes[extname(file)] ?? 'application/octet-stream',
        'Content-Length': info.size,
        'Content-Security-Policy': contentSecurityPolicy({ dev: false }),
        'X-Content-Type-Options': 'nosniff',
        'Referrer-Policy': 'no-referrer',
        'Cache-Control': 'no-store',
      })
      if (req.method === 'HEAD') return void res.end()
      // A file removed or unreadable after stat ends this response, not the process.
      pipeline(createReadStream(file), res, () => undefined)
    } catch {
      if (!res.headersSent) refuse(res, 404)
    }
  }

  const http = createServer((req, res) => {
    const path = authorisedPath(req)
    if (typeof path === 'number') return refuse(res, path)
    void serveStatic(req, res, path).catch(() => res.destroy())
  })

  const wss = new WebSocketServer({ noServer: true, maxPayload: maxMessageBytes })
  http.on('upgrade', (req, socket, head) => {
    // Node removes its own error handler from an upgraded socket: a reset from the peer must not throw.
    socket.on('error', () => socket.destroy())
    const path = authorisedPath(req)
    const origin = req.headers.origin
    if (typeof path === 'number') return refuseUpgrade(socket, path)
    if (path !== '/ws' || !origin || !allowedOrigins().has(origin)) return refuseUpgrade(socket, 403)
    wss.handleUpgrade(req, socket, head, (ws) => attach(ws))
  })

  function attach(ws: WebSocket): void {
    const send = (message: BridgeServerMessage) => {
      if (ws.readyState === ws.OPEN) ws.send(JSON.stringify(message))
    }
    const coalescer = createCoalescer((channel, payload) => send({ kind: 'event', channel, payload }))
    const unsubscribe = options.events.subscribe(coalescer.listener)
    // A protocol error (oversized or unmasked frame, invalid UTF-8, reserved opcode or bit) is emitted here after
    // ws has sent the close frame with its status code; unhandled, it would end the process.
    ws.on('error', () => undefined)
    ws.on('message', (data, isBinary) => {
      if (isBinary) return ws.close(1003, 'text frames only')
      let message: BridgeClientMessage
      try {
        message = JSON.parse(data.toString()) as BridgeClientMessage
      } catch {
        return ws.close(1007, 'invalid JSON')
      }
      if (message?.kind !== 'invoke' || typeof message.id !== 'number') return ws.close(1008, 'unknown message')
      void options
        .dispatch(message.channel, message.payload)
        .then((envelope) => send({ kind: 'result', id: message.id, envelope }))
        .catch(() => ws.close(1011, 'internal error'))
    })
    ws.on('close', () => {
      unsubscribe()
      coalescer.stop()
    })
  }

  await new Promise<void>((resolve, reject) => {
    http.once('error', reject)
    http.listen(options.port ?? 0, '127.0.0.1', () => resolve())
  })
  port = (http.address() as AddressInfo).port
  // After listen, a server error is a failed accept (e.g. out of file descriptors): one connection is lost, not the server.
  http.on('error', (error) => console.error(`cutover serve: ${error.message}`))

  return {
    url: `http://127.0.0.1:${port}/${token}/`,
    port,
    token,
    close: () =>
      new Promise<void>((resolve) => {
        for (const client of wss.clients) client.terminate()
        wss.close()
        http.close(() => resolve())
        http.closeAllConnections()
      }),
  }
}
