import type { Connection } from 'mysql2/promise'
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest'
import { startFaultProxy, type FaultProxy } from './faultProxy'
import { connectTo, sourceServer } from './servers'

describe('the fault proxy between a client and MariaDB', () => {
  let proxy: FaultProxy
  const open: Connection[] = []
  const through = async () => {
    const c = await connectTo({ ...sourceServer(), host: proxy.host, port: proxy.port })
    c.on('error', () => undefined)
    open.push(c)
    return c
  }

  beforeAll(async () => {
    proxy = await startFaultProxy(sourceServer())
  })
  afterEach(() => {
    proxy.pass()
    for (const c of open.splice(0)) c.destroy()
  })
  afterAll(async () => {
    await proxy.close()
  })

  it('passes queries through on its own loopback port', async () => {
    const c = await through()
    expect(proxy.port).not.toBe(sourceServer().port)
    const [rows] = await c.query('SELECT 1 + 1 AS two')
    expect(rows).toEqual([{ two: 2 }])
    expect(proxy.openConnections).toBe(1)
  })

  it('reset ends open connections with ECONNRESET', async () => {
    const c = await through()
    const query = c.query('SELECT SLEEP(5)')
    setTimeout(() => proxy.reset(), 200)
    await expect(query).rejects.toMatchObject({ code: 'ECONNRESET' })
    expect(proxy.openConnections).toBe(0)
  })

  it('refuse resets new connections and leaves open ones working; pass accepts again', async () => {
    const c = await through()
    proxy.refuse()
    await expect(through()).rejects.toMatchObject({
      code: expect.stringMatching(/ECONNRESET|PROTOCOL_CONNECTION_LOST/),
    })
    const [rows] = await c.query('SELECT 2 AS n')
    expect(rows).toEqual([{ n: 2 }])
    proxy.pass()
    const d = await through()
    await d.query('SELECT 1')
  })

  it('blackHole holds the socket open with no answer, and no FIN or RST reaches the client', async () => {
    const c = await through()
    proxy.blackHole('both')
    let settled = false
    // With no answer and no close, a timeout on the client is its only way out.
    const query = c.query({ sql: 'SELECT 3 AS n', timeout: 1500 }).finally(() => (settled = true))
    query.catch(() => undefined)
    await new Promise((r) => setTimeout(r, 1000))
    expect(settled).toBe(false)
    expect(proxy.openConnections).toBe(1)
    await expect(query).rejects.toMatchObject({ code: 'PROTOCOL_SEQUENCE_TIMEOUT' })
  })

  it('blackHole toClient lets requests reach the server while answers are dropped', async () => {
    const watcher = await connectTo(sourceServer())
    try {
      const c = await through()
      const [[{ id }]] = (await c.query('SELECT CONNECTION_ID() AS id')) as unknown as [[{ id: number }]]
      proxy.blackHole('toClient')
      const query = c.query({ sql: 'SELECT SLEEP(30)', timeout: 1500 })
      await expect(query).rejects.toMatchObject({ code: 'PROTOCOL_SEQUENCE_TIMEOUT' })
      // The server runs the statement it received (the request got through) although no answer came back.
      const [list] = (await watcher.query('SELECT COMMAND, INFO FROM information_schema.PROCESSLIST WHERE ID = ?', [
        id,
      ])) as unknown as [{ COMMAND: string; INFO: string | null }[]]
      expect(list[0]?.INFO).toBe('SELECT SLEEP(30)')
      await watcher.query('KILL ?', [id])
    } finally {
      await watcher.end()
    }
  })
})
