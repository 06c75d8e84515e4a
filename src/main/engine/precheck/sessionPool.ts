/**
 * A few connections to one side that every check shares. Checks lease a connection per query, so thirty
 * checks never mean thirty connections (pain point: a precheck must not itself exhaust max_connections).
 */
import type { SqlSession } from '../connect/session'
import type { SideQuery } from './check'

export interface SessionPool {
  query: SideQuery
  /** Lends one connection for a few statements that belong together (server detection). */
  withSession<T>(use: (session: SqlSession) => Promise<T>): Promise<T>
  /** Ends idle connections and destroys busy ones: a timed-out query must not hold teardown hostage. */
  close(): Promise<void>
}

interface Slot {
  session: SqlSession
  busy: boolean
}

/** Opens the first connection at once so that an unreachable server fails before any check starts. */
export async function createSessionPool(open: () => Promise<SqlSession>, size: number): Promise<SessionPool> {
  const slots: Slot[] = [{ session: await open(), busy: false }]
  const waiting: { resolve: (slot: Slot) => void; reject: (error: Error) => void }[] = []
  let opening = 0
  let closed = false
  // Once the server refuses an extra connection (max_connections reached), stop trying to grow.
  let canGrow = true

  async function acquire(): Promise<Slot> {
    for (;;) {
      if (closed) throw new Error('the precheck has finished; its connections are closed')
      const idle = slots.find((s) => !s.busy)
      if (idle) {
        idle.busy = true
        return idle
      }
      if (!canGrow || slots.length + opening >= size) break
      opening++
      try {
        const slot: Slot = { session: await open(), busy: true }
        slots.push(slot)
        return slot
      } catch {
        // A slot may have been released while we waited for the server: look again before queueing.
        canGrow = false
      } finally {
        opening--
      }
    }
    return new Promise<Slot>((resolve, reject) => waiting.push({ resolve, reject }))
  }

  function release(slot: Slot): void {
    const next = waiting.shift()
    if (next && !closed) next.resolve(slot)
    else slot.busy = false
  }

  return {
    async query<T>(sql: string, params?: unknown[]): Promise<T[]> {
      const slot = await acquire()
      try {
        return await slot.session.query<T>(sql, params)
      } finally {
        release(slot)
      }
    },
    async withSession<T>(use: (session: SqlSession) => Promise<T>): Promise<T> {
      const slot = await acquire()
      try {
        return await use(slot.session)
      } finally {
        release(slot)
      }
    },
    async close() {
      closed = true
      for (const waiter of waiting.splice(0)) waiter.reject(new Error('the precheck has finished; its connections are closed'))
      await Promise.all(
        slots.map(async (slot) => {
          // close() after destroy still runs the session's own teardown (an SSH tunnel, say).
          if (slot.busy) slot.session.raw.destroy()
          await slot.session.close().catch(() => undefined)
        }),
      )
    },
  }
}
