/**
 * Whether a server has room for the connections a job will open: max_connections against the connections
 * already in use (Threads_connected needs no privilege, unlike DM's PROCESSLIST count).
 */
import type { SideQuery } from './check'
import type { ServerFacts } from './precheckFacts'

export interface Capacity {
  max: number | null
  used: number | null
  userMax: number | null
}

export async function readCapacity(query: SideQuery, server: ServerFacts): Promise<Capacity> {
  const max = Number(server.variables.get('max_connections') ?? 0)
  const userMax = Number(server.variables.get('max_user_connections') ?? 0)
  let used: number | null = null
  try {
    const rows = await query<{ Value: unknown }>("SHOW GLOBAL STATUS LIKE 'Threads_connected'")
    if (rows[0] !== undefined) used = Number(rows[0].Value)
  } catch {
    // Unknown usage: judged on max_connections alone.
  }
  return { max: max > 0 ? max : null, used, userMax: userMax > 0 ? userMax : null }
}

export type CapacityVerdict = { kind: 'ok' | 'tight' | 'short'; text: string }

export function judgeCapacity(capacity: Capacity, needed: number): CapacityVerdict {
  const limit = capacity.userMax !== null && (capacity.max === null || capacity.userMax < capacity.max) ? capacity.userMax : capacity.max
  const which = limit === capacity.userMax && capacity.userMax !== null ? 'max_user_connections' : 'max_connections'
  if (limit === null) return { kind: 'ok', text: `No connection limit is set; the job needs ${needed}.` }
  if (limit < needed) return { kind: 'short', text: `${which} is ${limit} but the job needs ${needed} connections.` }
  if (capacity.used !== null && limit - capacity.used < needed) {
    return {
      kind: 'tight',
      text: `${which} is ${limit} and ${capacity.used} are in use, leaving ${limit - capacity.used}; the job needs ${needed}.`,
    }
  }
  const inUse = capacity.used === null ? '' : ` (${capacity.used} in use)`
  return { kind: 'ok', text: `${which} is ${limit}${inUse}; the job needs ${needed}.` }
}
