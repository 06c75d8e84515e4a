import { mkdtempSync, rmSync, writeFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import WebSocket from 'ws'
import type { BridgeServerMessage } from '../../shared/ipc/contract'
import { createEngine } from '../engine/engine'
import type { Engine } from '../engine/engine'
import { memoryOnlySecrets } from '../engine/secretBox'
import { createDispatch } from '../ipc/dispatch'
import { createHandlers } from '../ipc/handlers'
import { openJobStore } from '../store/jobStore'
import { startBridgeServer } from './bridgeServer'
import type { BridgeServer } from './bridgeServer'

let engine: Engine
let server: BridgeServer
let rendererDir: string

beforeAll(async () => {
  rendererDir = mkdtempSync(join(tmpdir(), 'cutover-renderer-'))
  writeFileSync(join(rendererDir, 'index.html'), '<!doctype html><title>Cutover</title>')
  writeFileSync(join(tmpdir(), 'cutover-outside.txt'), 'outside')
  engine = createEngine({ store: openJobStore(':memory:'), secrets: memoryOnlySecrets })
  const dispatch = createDispatch(createHandlers(engine, { host: 'bridge', version: 'test' }))
  server = await startBridgeServer({ dispatch, events: engine.events, rendererDir })
})
afterAll(async () => {
  await server.close()
  engine.close()
  rmSync(rendererDir, { recursive: true, force: true })
})

function open(origin: string | undefined, path = `/${server.token}/ws`): Promise<WebSocket> {
  return new Promise((resolve, reject) => {
    const ws = new WebSocket(`ws://127.0.0.1:${server.port}${path}`, origin ? { origin } : {})
    ws.once('open', () => resolve(ws))
    ws.once('error', reject)
    ws.once('unexpected-response', (_req, res) => reject(new Error(`HTTP ${res.statusCode}`)))
  })
}

function nextMessage(ws: WebSocket, predicate: (m: BridgeServerMessage) => boolean): Promise<BridgeServerMessage> {
  return new Promise((resolve) => {
    const onMessage = (data: WebSocket.RawData) => {
      const message = JSON.parse(data.toString()) as BridgeServerMessage
      if (predicate(message)) {
        ws.off('message', onMessage)
        resolve(message)
      }
    }
    ws.on('message', onMessage)
  })
}

describe('browser bridge', () => {
  it('listens on loopback only and prints a tokenised URL', () => {
    expect(server.url).toBe(`http://127.0.0.1:${server.port}/${server.token}/`)
    expect(server.token.length).toBeGreaterThanOrEqual(40)
  })

  it('serves the renderer only under the token, and never outside its folder', async () => {
    expect((await fetch(server.url)).status).toBe(200)
    expect((await fetch(server.url)).headers.get('content-security-policy')).toContain("default-src 'self'")
    expect((await fetch(`http://127.0.0.1:${server.port}/`)).status).toBe(403)
    expect((await fetch(`http://127.0.0.1:${server.port}/${server.token.slice(1)}/`)).status).toBe(403)
    expect((await fetch(`${server.url}..%2fcutover-outside.txt`)).status).toBe(404)
    expect([403, 404]).toContain((await fetch(`${server.url}%2e%2e/%2e%2e/etc/passwd`)).status)
    expect((await fetch(server.url, { method: 'POST' })).status).toBe(403)
  })

  it('refuses a foreign Host header (DNS rebinding)', async () => {
    const { request } = await import('node:http')
    const status = await new Promise<number>((resolve) => {
      request({ host: '127.0.0.1', port: server.port, path: `/${server.token}/`, headers: { host: `evil.example:${server.port}` } }, (res) =>
        resolve(res.statusCode ?? 0),
      ).end()
    })
    expect(status).toBe(403)
  })

  it('refuses sockets without the token or from another origin', async () => {
    const origin = `http://127.0.0.1:${server.port}`
    await expect(open(origin, '/ws')).rejects.toThrow(/403/)
    await expect(open('http://evil.example')).rejects.toThrow(/403/)
    await expect(open(undefined)).rejects.toThrow(/403/)
  })

  it('carries the contract: invokes with envelopes, validation errors, and engine events', async () => {
    const ws = await open(`http://127.0.0.1:${server.port}`)
    ws.send(JSON.stringify({ kind: 'invoke', id: 1, channel: 'app:info', payload: {} }))
    expect(await nextMessage(ws, (m) => m.kind === 'result' && m.id === 1)).toMatchObject({
      envelope: { ok: true, value: { host: 'bridge', secretsAtRest: false } },
    })
    ws.send(JSON.stringify({ kind: 'invoke', id: 2, channel: 'job:get', payload: { id: '' } }))
    expect(await nextMessage(ws, (m) => m.kind === 'result' && m.id === 2)).toMatchObject({
      envelope: { ok: false, error: { code: 'IPC_INVALID_PAYLOAD' } },
    })
    const changed = nextMessage(ws, (m) => m.kind === 'event' && m.channel === 'jobs:changed')
    ws.send(
      JSON.stringify({
        kind: 'invoke',
        id: 3,
        channel: 'job:create',
        payload: { config: { name: 'via-bridge', source: { host: 'a', user: 'u', password: 'pw-x' }, target: { host: 'b', user: 'r' } } },
      }),
    )
    const created = await nextMessage(ws, (m) => m.kind === 'result' && m.id === 3)
    expect(created).toMatchObject({ envelope: { ok: true, value: { name: 'via-bridge' } } })
    expect(JSON.stringify(created)).not.toContain('pw-x')
    expect(await changed).toMatchObject({ payload: { change: 'created' } })
    // The job schema's own refinement: contradictory settings are refused with the reason.
    ws.send(
      JSON.stringify({
        kind: 'invoke',
        id: 4,
        channel: 'job:create',
        payload: { config: { name: 'contradiction', type: 'incremental', mode: 'physical', source: { host: 'a', user: 'u' }, target: { host: 'b', user: 'r' } } },
      }),
    )
    const refused = await nextMessage(ws, (m) => m.kind === 'result' && m.id === 4)
    expect(refused).toMatchObject({ envelope: { ok: false, error: { code: 'IPC_INVALID_PAYLOAD' } } })
    expect(JSON.stringify(refused)).toContain('an incremental job copies none')
    ws.close()
  })

  it('has no native file picker: app:info says so and dialog:openFile is refused with a coded fix', async () => {
    const ws = await open(`http://127.0.0.1:${server.port}`)
    ws.send(JSON.stringify({ kind: 'invoke', id: 1, channel: 'app:info', payload: {} }))
    expect(await nextMessage(ws, (m) => m.kind === 'result' && m.id === 1)).toMatchObject({
      envelope: { ok: true, value: { nativeDialogs: false } },
    })
    ws.send(JSON.stringify({ kind: 'invoke', id: 2, channel: 'dialog:openFile', payload: { purpose: 'sshKey' } }))
    const refused = await nextMessage(ws, (m) => m.kind === 'result' && m.id === 2)
    expect(refused).toMatchObject({ envelope: { ok: false, error: { code: 'DIALOG_UNAVAILABLE', workaround: expect.stringContaining('full path') } } })
    ws.close()
  })

  it('closes a socket that sends something other than a contract message', async () => {
    const ws = await open(`http://127.0.0.1:${server.port}`)
    const closed = new Promise<number>((resolve) => ws.once('close', (code) => resolve(code)))
    ws.send('not json')
    expect(await closed).toBe(1007)
  })
})
