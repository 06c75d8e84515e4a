/**
 * The `connection:test` and `source:objects` channels through the real dispatch, handlers and engine (an
 * in-memory store): an unsaved profile's password is used once and never echoed; a stored job's side is
 * tested with its stored secret; bad payloads are refused before any connection.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { jobConfigSchema } from '../../src/shared/domain/job'
import type { ConnectionTestResult } from '../../src/shared/domain/connectionTest'
import type { DiscoveredObjects } from '../../src/shared/domain/sourceObjects'
import { createEngine, type Engine } from '../../src/main/engine/engine'
import { memoryOnlySecrets } from '../../src/main/engine/secretBox'
import { createDispatch, type Dispatch } from '../../src/main/ipc/dispatch'
import { createHandlers } from '../../src/main/ipc/handlers'
import { openJobStore } from '../../src/main/store/jobStore'
import { sourceServer, targetServer } from '../harness/servers'

let engine: Engine
let dispatch: Dispatch

beforeAll(() => {
  engine = createEngine({ store: openJobStore(':memory:'), secrets: memoryOnlySecrets })
  dispatch = createDispatch(createHandlers(engine, { host: 'bridge', version: 'test' }))
})
afterAll(() => engine.close())

describe('connection:test', () => {
  it('tests an unsaved profile and never sends its password back', async () => {
    const source = sourceServer()
    const envelope = await dispatch('connection:test', {
      side: 'source',
      profile: { host: source.host, port: source.port, user: source.user, password: source.password },
    })
    expect(envelope.ok).toBe(true)
    const result = (envelope as { value: ConnectionTestResult }).value
    expect(result.ok).toBe(true)
    expect(result.binlog?.ok).toBe(true)
    expect(JSON.stringify(envelope)).not.toContain(source.password)
  })

  it("tests a stored job's target with the job's stored password", async () => {
    const source = sourceServer()
    const target = targetServer()
    const job = engine.createJob(
      jobConfigSchema.parse({
        name: 'ipc-conn-test',
        source: { host: source.host, port: source.port, user: source.user, password: source.password },
        target: { host: target.host, port: target.port, user: target.user, password: target.password },
      }),
    )
    const envelope = await dispatch('connection:test', { side: 'target', jobId: job.id })
    const result = (envelope as { value: ConnectionTestResult }).value
    expect(result.ok).toBe(true)
    expect(result.side).toBe('target')
    expect(JSON.stringify(envelope)).not.toContain(target.password)

    const objects = await dispatch('source:objects', { jobId: job.id })
    expect(objects.ok).toBe(true)
    const names = (objects as { value: DiscoveredObjects }).value.databases.map((d) => d.name)
    expect(names).not.toContain('mysql')
  })

  it('refuses a malformed payload before connecting', async () => {
    const envelope = await dispatch('connection:test', { side: 'sideways', profile: { host: 'x', user: 'y' } })
    expect(envelope).toMatchObject({ ok: false, error: { code: 'IPC_INVALID_PAYLOAD' } })
  })

  it('source:objects answers with a coded error, without the password, when the login fails', async () => {
    const source = sourceServer()
    const envelope = await dispatch('source:objects', {
      profile: { host: source.host, port: source.port, user: source.user, password: 'definitely-wrong-pw' },
    })
    expect(envelope).toMatchObject({ ok: false, error: { code: 'CONN_AUTH' } })
    expect(JSON.stringify(envelope)).not.toContain('definitely-wrong-pw')
  })
})
