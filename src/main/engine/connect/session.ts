import type { Socket } from 'node:net'
import type { Connection, FieldPacket, RowDataPacket } from 'mysql2/promise'

/**
 * The narrow handle every stage and precheck uses to talk to a server. It hides mysql2 so that stages
 * depend on "run this SQL", not on a driver, and so that a tunnel or TLS setup stays in connect/.
 */
export interface SqlSession {
  readonly side: 'source' | 'target'
  query<T = Record<string, unknown>>(sql: string, params?: unknown[]): Promise<T[]>
  /** The underlying connection, for the few stages that stream (dump) or use LOAD DATA (load). */
  readonly raw: Connection
  /** The profile's per-statement limit, for statements sent past `query()` (connect/rawQuery.ts). */
  readonly queryTimeoutMs?: number
  /**
   * A statement whose run time grows with the table (an index build, a replicated ALTER, ANALYZE, a DELETE of a
   * whole table): no query timeout, since a large table may take hours; a lost connection still ends it.
   */
  runLong(sql: string): Promise<void>
  close(): Promise<void>
}

export type { ServerFlavor, ServerInfo } from '../../../shared/domain/connectionTest'

const sideKey = Symbol('cutoverSide')

/** Records which server an error came from (the first record stands), for messages that must name it. */
export function markSide<T>(error: T, side: 'source' | 'target' | null): T {
  if (side && typeof error === 'object' && error !== null && !(sideKey in error))
    Object.defineProperty(error, sideKey, { value: side, enumerable: false })
  return error
}

/** The server an error came from, when the session or stage that saw it said so. */
export function sideOf(error: unknown): 'source' | 'target' | null {
  if (typeof error !== 'object' || error === null) return null
  return ((error as { [sideKey]?: 'source' | 'target' })[sideKey] ?? null) as 'source' | 'target' | null
}

/** How long `close()` lets the server take to close the connection after QUIT before the socket is destroyed. */
const closeGraceMs = 2000

export function createSession(
  raw: Connection,
  side: 'source' | 'target',
  onClose?: () => Promise<void>,
  /** Per-query limit; mysql2 rejects with PROTOCOL_SEQUENCE_TIMEOUT once it passes. */
  queryTimeoutMs?: number,
): SqlSession {
  return {
    side,
    raw,
    queryTimeoutMs,
    async query<T>(sql: string, params?: unknown[]): Promise<T[]> {
      const options = queryTimeoutMs === undefined ? { sql } : { sql, timeout: queryTimeoutMs }
      // Without parameters the SQL goes as it is: formatting would scan a 1 MiB batch statement for `?`.
      const [rows] = (await (params === undefined ? raw.query(options) : raw.query(options, params)).catch(
        (error: unknown) => {
          // mysql2 answers a timed-out query but keeps it as the connection's current command: every later one
          // (a ROLLBACK after the failure, say) would queue behind it for as long as the server stays silent.
          if ((error as { code?: string }).code === 'PROTOCOL_SEQUENCE_TIMEOUT') raw.destroy()
          return Promise.reject(markSide(error, side))
        },
      )) as [RowDataPacket[] | unknown, FieldPacket[]]
      return (Array.isArray(rows) ? rows : [rows]) as T[]
    },
    async runLong(sql: string): Promise<void> {
      await raw.query({ sql }).catch((error: unknown) => Promise.reject(markSide(error, side)))
    },
    async close() {
      // QUIT waits behind a statement in flight, and the socket stays open until the server closes it: on a lost
      // route neither happens, and an open socket keeps the process alive. Past the grace time it is destroyed.
      const stream = (raw as unknown as { connection?: { stream?: Socket } }).connection?.stream
      const closed = new Promise<void>((resolve) => {
        if (!stream || stream.destroyed) resolve()
        else stream.once('close', () => resolve())
      })
      raw.end().catch(() => undefined)
      let timer: ReturnType<typeof setTimeout> | undefined
      const inTime = await Promise.race([
        closed.then(() => true),
        new Promise<boolean>((resolve) => (timer = setTimeout(() => resolve(false), closeGraceMs))),
      ])
      clearTimeout(timer)
      if (!inTime) raw.destroy()
      await onClose?.()
    },
  }
}
