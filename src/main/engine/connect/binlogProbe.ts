/**
 * Attaches a binlog reader exactly as the incremental stage will (zongji, same connection options, same route)
 * and detaches it again, so that a missing REPLICATION SLAVE / BINLOG MONITOR grant or an auth plugin the binlog
 * connection cannot speak shows up in the connection test rather than hours into a migration (pain points 1, 2).
 */
import { randomInt } from 'node:crypto'
import type ZongJi from '@vlasky/zongji'
import type { ServerInfo } from '../../../shared/domain/connectionTest'
import type { CutoverError } from '../../../shared/domain/errors'
import { classifyConnectionError } from './connectionErrors'
import type { ConnectRoute } from './openSession'

export interface BinlogProbeResult {
  ok: boolean
  detail: string
  error: CutoverError | null
}

/**
 * A replica server id no real replica uses: two readers with one id kick each other off (toolchain.md §7.2),
 * so the probe picks from the top of the 32-bit range, far from the small ids DBAs hand out.
 */
export function probeServerId(): number {
  return randomInt(1_000_000_000, 2 ** 32 - 1)
}

const STOP_GRACE_MS = 2_000

function stopAndWait(zongji: ZongJi): Promise<void> {
  return new Promise((resolve) => {
    const timer = setTimeout(resolve, STOP_GRACE_MS)
    zongji.once('stopped', () => {
      clearTimeout(timer)
      resolve()
    })
    try {
      zongji.stop()
    } catch {
      clearTimeout(timer)
      resolve()
    }
  })
}

export async function probeBinlog(
  route: ConnectRoute,
  server: ServerInfo | null,
  options: { timeoutMs?: number; serverId?: number; signal?: AbortSignal; accountHost?: string | null } = {},
): Promise<BinlogProbeResult> {
  const timeoutMs = options.timeoutMs ?? 5_000
  const serverId = options.serverId ?? probeServerId()
  const { default: ZongJi } = await import('@vlasky/zongji')
  const zongji = new ZongJi(route.connectionOptions('source'))
  // Errors after the outcome is known (teardown noise) must never reach an unhandled 'error'.
  let settle: ((outcome: { error: unknown } | null) => void) | null = null
  zongji.on('error', (error: unknown) => settle?.({ error }))
  const outcome = await new Promise<{ error: unknown } | null | 'timeout'>((resolve) => {
    const timer = setTimeout(() => finish('timeout'), timeoutMs)
    const onAbort = (): void => finish({ error: Object.assign(new Error('aborted'), { code: 'ABORT_ERR' }) })
    function finish(value: { error: unknown } | null | 'timeout'): void {
      clearTimeout(timer)
      options.signal?.removeEventListener('abort', onAbort)
      settle = null
      resolve(value)
    }
    settle = finish
    options.signal?.addEventListener('abort', onAbort, { once: true })
    zongji.once('ready', () => settle?.(null))
    // Only rotate/format events can arrive at the end of the log; nothing is decoded.
    zongji.start({ serverId, startAtEnd: true, includeEvents: ['rotate'] })
  })
  await stopAndWait(zongji)

  if (outcome === null) {
    return {
      ok: true,
      detail: `a binlog reader attached at the end of the log (replica server id ${serverId}) and detached`,
      error: null,
    }
  }
  if (outcome === 'timeout') {
    const error = classifyConnectionError(
      Object.assign(new Error(`the binlog reader was not ready within ${timeoutMs / 1000} s`), {
        code: 'BINLOG_PROBE_TIMEOUT',
      }),
      { hop: 'binlog', profile: route.profile, side: 'source', server, accountHost: options.accountHost },
    )
    return { ok: false, detail: error.message, error }
  }
  const error = classifyConnectionError(outcome.error, {
    hop: 'binlog',
    profile: route.profile,
    side: 'source',
    server,
    accountHost: options.accountHost,
  })
  return { ok: false, detail: error.message, error }
}
