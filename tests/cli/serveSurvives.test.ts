/**
 * `cutover serve` must survive any bytes a local process sends it: raw TCP sockets against the built CLI send
 * requests that once killed it, then a seeded fuzz of HTTP request lines/headers and WebSocket frames. After each,
 * the process is still running and still answers a valid page request and a valid contract invoke.
 */
import { connect } from 'node:net'
import { afterAll, afterEach, beforeAll, beforeEach, describe, expect, it } from 'vitest'
import WebSocket from 'ws'
import { serveApp, type ServedApp } from '../harness/cutoverServe'

let app: ServedApp
let port: number
let token: string
let exited: string | null
let stderr: string

async function start(): Promise<void> {
  app = await serveApp()
  port = Number(new URL(app.url).port)
  token = new URL(app.url).pathname.split('/')[1]!
  exited = null
  stderr = ''
  app.process.stderr!.on('data', (chunk: Buffer) => (stderr += chunk.toString()))
  app.process.once('exit', (code, signal) => (exited = `exit ${code ?? signal}`))
}
const stop = () => app.stop()

/** Sends bytes on a fresh connection; resolves with what came back once the server closes it or `waitMs` pass. */
function exchange(bytes: Buffer | string, waitMs = 1_000): Promise<string> {
  return new Promise((resolve) => {
    const socket = connect(port, '127.0.0.1')
    const received: Buffer[] = []
    const done = () => {
      clearTimeout(timer)
      socket.destroy()
      resolve(Buffer.concat(received).toString('latin1'))
    }
    const timer = setTimeout(done, waitMs)
    socket.on('data', (chunk) => received.push(chunk))
    socket.on('error', done)
    socket.on('close', done)
    socket.write(bytes)
  })
}

const origin = () => `http://127.0.0.1:${port}`

function upgradeRequest(path = `/${token}/ws`): string {
  return (
    `GET ${path} HTTP/1.1\r\nHost: 127.0.0.1:${port}\r\nOrigin: ${origin()}\r\nUpgrade: websocket\r\n` +
    'Connection: Upgrade\r\nSec-WebSocket-Key: dGhlIHNhbXBsZSBub25jZQ==\r\nSec-WebSocket-Version: 13\r\n\r\n'
  )
}

/** A client frame as RFC 6455 lays it out; `declaredLength` may lie about the payload's size. */
function frame(options: {
  opcode: number
  payload: Buffer
  fin?: boolean
  rsv?: number
  masked?: boolean
  declaredLength?: number | bigint
}): Buffer {
  const { opcode, payload, fin = true, rsv = 0, masked = true } = options
  const length = BigInt(options.declaredLength ?? payload.length)
  const head = [(fin ? 0x80 : 0) | ((rsv & 7) << 4) | (opcode & 0x0f)]
  const maskBit = masked ? 0x80 : 0
  let extended = Buffer.alloc(0)
  if (length < 126n) head.push(maskBit | Number(length))
  else if (length < 65536n) {
    head.push(maskBit | 126)
    extended = Buffer.alloc(2)
    extended.writeUInt16BE(Number(length))
  } else {
    head.push(maskBit | 127)
    extended = Buffer.alloc(8)
    extended.writeBigUInt64BE(length)
  }
  const key = Buffer.from([0x12, 0x34, 0x56, 0x78])
  const body = masked ? Buffer.from(payload.map((byte, i) => byte ^ key[i % 4]!)) : payload
  return Buffer.concat([Buffer.from(head), extended, masked ? key : Buffer.alloc(0), body])
}

/** A valid page request and a valid contract invoke both still work, and the process has not exited. */
async function expectServing(): Promise<void> {
  expect(exited, `cutover serve died:\n${stderr}`).toBeNull()
  expect((await fetch(app.url)).status).toBe(200)
  const ws = new WebSocket(`ws://127.0.0.1:${port}/${token}/ws`, { origin: origin() })
  await new Promise((resolve, reject) => {
    ws.once('open', resolve)
    ws.once('error', reject)
  })
  const answer = new Promise<string>((resolve) =>
    ws.once('message', (data: WebSocket.RawData) => resolve(data.toString())),
  )
  ws.send(JSON.stringify({ kind: 'invoke', id: 1, channel: 'app:info', payload: {} }))
  expect(JSON.parse(await answer)).toMatchObject({ kind: 'result', id: 1, envelope: { ok: true } })
  ws.close()
  expect(exited, `cutover serve died:\n${stderr}`).toBeNull()
}

describe('cutover serve survives malformed requests', () => {
  // A fresh process per request, so each case shows on its own whether it kills the server.
  beforeEach(start)
  afterEach(stop)

  it('answers an unparsable request target without the token with 400', async () => {
    const answer = await exchange(`GET http://[ HTTP/1.1\r\nHost: 127.0.0.1:${port}\r\nConnection: close\r\n\r\n`)
    expect(answer).toMatch(/^HTTP\/1\.1 400/)
    await expectServing()
  })

  it('answers a malformed percent escape under the token with 400', async () => {
    const answer = await exchange(
      `GET /${token}/%E0%A4%A HTTP/1.1\r\nHost: 127.0.0.1:${port}\r\nConnection: close\r\n\r\n`,
    )
    expect(answer).toMatch(/^HTTP\/1\.1 400/)
    await expectServing()
  })

  it('answers an upgrade with an unparsable target with 400', async () => {
    const answer = await exchange(upgradeRequest('http://['))
    expect(answer).toMatch(/^HTTP\/1\.1 400/)
    await expectServing()
  })

  const protocolErrors: [string, Buffer, number][] = [
    ['an oversized frame', frame({ opcode: 0x1, payload: Buffer.alloc(16), declaredLength: 2n ** 40n }), 1009],
    ['invalid UTF-8 in a text frame', frame({ opcode: 0x1, payload: Buffer.from([0xc3, 0x28, 0xff]) }), 1007],
    ['a reserved opcode', frame({ opcode: 0x3, payload: Buffer.from('x') }), 1002],
    ['a reserved bit', frame({ opcode: 0x1, payload: Buffer.from('{}'), rsv: 4 }), 1002],
    ['an unmasked client frame', frame({ opcode: 0x1, payload: Buffer.from('{}'), masked: false }), 1002],
  ]
  for (const [what, bytes, closeCode] of protocolErrors) {
    it(`closes the socket on ${what} (${closeCode}) and keeps serving`, async () => {
      const answer = await exchange(Buffer.concat([Buffer.from(upgradeRequest()), bytes]))
      expect(answer).toMatch(/^HTTP\/1\.1 101/)
      // The server's close frame: opcode 0x8, then the status code.
      const close = Buffer.from(answer.slice(answer.indexOf('\r\n\r\n') + 4), 'latin1')
      expect(close[0]).toBe(0x88)
      expect(close.readUInt16BE(2)).toBe(closeCode)
      await expectServing()
    })
  }
})

/** mulberry32: a small seeded PRNG, so a failing case can be replayed from its seed and index. */
function prng(seed: number): () => number {
  let state = seed >>> 0
  return () => {
    state = (state + 0x6d2b79f5) >>> 0
    let t = state
    t = Math.imul(t ^ (t >>> 15), t | 1)
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61)
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296
  }
}

const fuzzSeed = 0x5eed17
const fuzzCases = 400

describe('cutover serve under a seeded fuzz', () => {
  beforeAll(start)
  afterAll(stop)

  it(
    `survives ${fuzzCases} mutated HTTP requests and WebSocket frames (seed ${fuzzSeed})`,
    { timeout: 30_000 },
    async () => {
      const random = prng(fuzzSeed)
      const int = (n: number) => Math.floor(random() * n)
      const pick = <T>(items: readonly T[]): T => items[int(items.length)]!
      const bytes = (n: number) => Buffer.from(Array.from({ length: n }, () => int(256)))
      const nasty = [
        '%',
        '%E0%A4%A',
        '%zz',
        '[',
        'http://[',
        '\0',
        '\r\n',
        ' ',
        '..',
        '/',
        '?',
        '#',
        'é',
        '\u{1F600}',
        '\xff',
      ]

      function mutate(text: string): Buffer {
        let data = Buffer.from(text, 'utf8')
        for (let n = 1 + int(4); n > 0; n--) {
          const at = int(data.length + 1)
          switch (int(5)) {
            case 0: // flip a byte
              if (data.length > 0) data[Math.min(at, data.length - 1)] = int(256)
              break
            case 1: // insert a nasty fragment
              data = Buffer.concat([data.subarray(0, at), Buffer.from(pick(nasty), 'latin1'), data.subarray(at)])
              break
            case 2: // delete a run
              data = Buffer.concat([data.subarray(0, at), data.subarray(at + 1 + int(8))])
              break
            case 3: // insert random bytes
              data = Buffer.concat([data.subarray(0, at), bytes(1 + int(16)), data.subarray(at)])
              break
            default: // duplicate a run
              data = Buffer.concat([data.subarray(0, at), data.subarray(at, at + 1 + int(24)), data.subarray(at)])
          }
        }
        return data
      }

      function httpCase(): Buffer {
        const method = pick(['GET', 'HEAD', 'POST', 'OPTIONS', 'PUT'])
        const path = pick([
          `/${token}/`,
          `/${token}/index.html`,
          `/${token}/ws`,
          '/',
          `/${token}/${pick(nasty)}`,
          'http://[',
        ])
        const extra = pick([
          '',
          'Range: bytes=0-1\r\n',
          'Transfer-Encoding: chunked\r\n',
          `Content-Length: ${int(40)}\r\n`,
        ])
        const upgrade =
          random() < 0.3
            ? `Origin: ${origin()}\r\nUpgrade: websocket\r\nConnection: Upgrade\r\nSec-WebSocket-Version: 13\r\n`
            : ''
        return mutate(
          `${method} ${path} HTTP/1.1\r\nHost: 127.0.0.1:${port}\r\n${upgrade}${extra}Connection: close\r\n\r\n`,
        )
      }

      function wsCase(): Buffer {
        const frames: Buffer[] = []
        for (let n = 1 + int(3); n > 0; n--) {
          const opcode = random() < 0.6 ? pick([0x0, 0x1, 0x2, 0x8, 0x9, 0xa]) : int(16)
          const payload = pick([
            () => bytes(int(140)),
            () =>
              Buffer.from(
                JSON.stringify({
                  kind: 'invoke',
                  id: int(10),
                  channel: pick(['app:info', 'job:get', 'x']),
                  payload: {},
                }),
              ),
            () => Buffer.from([0xc3, 0x28, 0xed, 0xa0, 0x80]),
            () => Buffer.alloc(0),
          ])()
          const declaredLength = random() < 0.15 ? pick([126, 65_535, 65_536, 2 ** 32, 2n ** 63n - 1n]) : undefined
          const rsv = random() < 0.2 ? int(8) : 0
          frames.push(frame({ opcode, payload, fin: random() < 0.85, rsv, masked: random() < 0.9, declaredLength }))
        }
        const raw = Buffer.concat(frames)
        return Buffer.concat([Buffer.from(upgradeRequest()), random() < 0.3 ? mutate(raw.toString('latin1')) : raw])
      }

      const cases = Array.from({ length: fuzzCases }, () => (random() < 0.5 ? httpCase() : wsCase()))
      const started = performance.now()
      const parallel = 16
      for (let i = 0; i < cases.length; i += parallel) {
        await Promise.all(cases.slice(i, i + parallel).map((bytes) => exchange(bytes, 200)))
        expect(
          exited,
          `cutover serve died during cases ${i}–${i + parallel - 1} (seed ${fuzzSeed}):\n${stderr}`,
        ).toBeNull()
      }
      await expectServing()
      expect(performance.now() - started).toBeLessThan(30_000)
    },
  )
})
