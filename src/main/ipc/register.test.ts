import { afterEach, beforeEach, describe, expect, it } from 'vitest'
import { invokeChannels } from '../../shared/ipc/contract'
import type { Envelope } from '../../shared/ipc/contract'
import { createEngine } from '../engine/engine'
import type { Engine } from '../engine/engine'
import { memoryOnlySecrets } from '../engine/secretBox'
import { openJobStore } from '../store/jobStore'
import { createDispatch } from './dispatch'
import { createHandlers } from './handlers'
import { registerIpc } from './register'

type Handler = (event: unknown, payload: unknown) => Promise<Envelope<unknown>>

/** A recording stand-in for ipcMain: the real registration code runs against it. */
function recordingIpc() {
  const handlers = new Map<string, Handler>()
  return {
    handlers,
    handle: (channel: string, handler: Handler) => {
      if (handlers.has(channel)) throw new Error(`second handler for ${channel}`)
      handlers.set(channel, handler)
    },
    removeHandler: (channel: string) => {
      handlers.delete(channel)
    },
  }
}

const trustedEvent = { trusted: true }
const foreignEvent = { trusted: false }

const validConfig = {
  name: 'shop-to-tidb',
  source: { host: '127.0.0.1', port: 3306, user: 'migrator', password: 's3cret-source' },
  target: { host: '127.0.0.1', user: 'root' },
}

describe('IPC registration', () => {
  let engine: Engine
  let ipc: ReturnType<typeof recordingIpc>
  let unregister: () => void

  beforeEach(() => {
    engine = createEngine({ store: openJobStore(':memory:'), secrets: memoryOnlySecrets })
    ipc = recordingIpc()
    const dispatch = createDispatch(createHandlers(engine, { host: 'electron', version: 'test' }))
    unregister = registerIpc(ipc as never, dispatch, (event) => (event as unknown as typeof trustedEvent).trusted)
  })
  afterEach(() => engine.close())

  const invoke = (channel: string, payload: unknown, event: object = trustedEvent) => ipc.handlers.get(channel)!(event, payload)

  it('registers every contract channel, and only those', () => {
    expect([...ipc.handlers.keys()].sort()).toEqual([...invokeChannels].sort())
    unregister()
    expect(ipc.handlers.size).toBe(0)
  })

  it('passes the calling window along, so a file dialog can be modal to it', async () => {
    const seen: unknown[] = []
    const spy = recordingIpc()
    registerIpc(spy as never, async (_channel, _payload, origin) => {
      seen.push(origin?.sender)
      return { ok: true, value: null }
    }, () => true)
    const sender = { id: 1 }
    await spy.handlers.get('dialog:openFile')!({ sender }, { purpose: 'tlsCa' })
    expect(seen).toEqual([sender])
  })

  it('refuses a foreign sender before touching the engine', async () => {
    const result = await invoke('job:create', { config: validConfig }, foreignEvent)
    expect(result).toMatchObject({ ok: false, error: { code: 'IPC_FOREIGN_SENDER' } })
    expect(engine.listJobs()).toEqual([])
  })

  it('refuses an invalid payload with a clear, coded error naming the field', async () => {
    const badName = await invoke('job:create', { config: { ...validConfig, name: '9lives' } })
    expect(badName.ok).toBe(false)
    if (badName.ok) return
    expect(badName.error.code).toBe('IPC_INVALID_PAYLOAD')
    expect(badName.error.message).toContain('config.name')
    expect(badName.error.message).toContain('start with a letter')

    const extraField = await invoke('job:list', { sneaky: true })
    expect(extraField).toMatchObject({ ok: false, error: { code: 'IPC_INVALID_PAYLOAD' } })
    const wrongType = await invoke('job:get', { id: 42 })
    expect(wrongType).toMatchObject({ ok: false, error: { code: 'IPC_INVALID_PAYLOAD' } })
    expect(engine.listJobs()).toEqual([])
  })

  it('answers unknown channels with a coded error', async () => {
    const dispatch = createDispatch(createHandlers(engine, { host: 'electron', version: 'test' }))
    expect(await dispatch('job:explode', {})).toMatchObject({ ok: false, error: { code: 'IPC_UNKNOWN_CHANNEL' } })
    expect(await dispatch('__proto__', {})).toMatchObject({ ok: false, error: { code: 'IPC_UNKNOWN_CHANNEL' } })
  })

  it('creates, lists, reads and deletes a job without ever returning a password', async () => {
    const created = await invoke('job:create', { config: validConfig })
    expect(created.ok).toBe(true)
    const list = await invoke('job:list', {})
    expect(list).toMatchObject({ ok: true, value: [{ name: 'shop-to-tidb', status: 'created', type: 'both', mode: 'logical' }] })
    const detail = await invoke('job:get', { id: 'shop-to-tidb' })
    expect(detail).toMatchObject({ ok: true, value: { config: { source: { hasPassword: true }, target: { hasPassword: false, port: 4000 } } } })
    for (const response of [created, list, detail]) expect(JSON.stringify(response)).not.toContain('s3cret-source')

    const duplicate = await invoke('job:create', { config: validConfig })
    expect(duplicate).toMatchObject({ ok: false, error: { code: 'JOB_NAME_TAKEN' } })
    const events = await invoke('job:events', { id: 'shop-to-tidb' })
    expect(events).toMatchObject({ ok: true, value: [{ level: 'info' }, { level: 'warning', code: 'SECRETS_NOT_AT_REST' }] })

    expect(await invoke('job:delete', { id: 'shop-to-tidb' })).toEqual({ ok: true, value: { deleted: true } })
    expect(await invoke('job:get', { id: 'shop-to-tidb' })).toMatchObject({ ok: false, error: { code: 'JOB_NOT_FOUND' } })
  })
})
