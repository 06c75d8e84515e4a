/** What a connection test reports, hop by hop, to the wizard, the CLI and the precheck. Pure: no node imports. */
import type { CutoverErrorShape } from './errors'

export const connectionHops = ['dns', 'ssh', 'tcp', 'tls', 'auth', 'query', 'binlog'] as const
/** One step on the way from this machine to a usable server; a failure names the first one that broke. */
export type ConnectionHop = (typeof connectionHops)[number]

export type ServerFlavor = 'mysql' | 'mariadb' | 'tidb'

/** What a server told us about itself; read once per connection test / precheck run. */
export interface ServerInfo {
  flavor: ServerFlavor
  /** The numeric version, e.g. '8.0.36', '10.11.19', and for TiDB its own release, e.g. '8.5.1'. */
  version: string
  /** The raw `SELECT VERSION()` string. */
  versionString: string
  /** Aurora: 'writer' | 'reader'; other servers null. */
  auroraRole: 'writer' | 'reader' | null
  /** Only for flavor 'tidb': the `tidb_version()` text. */
  tidbVersionText: string | null
}

export interface ConnectionHopResult {
  hop: ConnectionHop
  ok: boolean
  detail: string
  ms: number
}

export interface ConnectionTestResult {
  ok: boolean
  side: 'source' | 'target'
  hops: ConnectionHopResult[]
  server: ServerInfo | null
  /** The login account's authentication plugin, when the server lets the account read it; else null. */
  authPlugin: string | null
  tls: { version: string; cipher: string } | null
  /** Source only: whether a binlog reader could attach (null for the target, or when an earlier hop failed). */
  binlog: { ok: boolean; detail: string } | null
  /** The SSH bastion's host key as `SHA256:…` (recorded, not yet checked against known hosts); null without SSH. */
  sshHostKey: string | null
  error: CutoverErrorShape | null
}

/**
 * Whether a connection is good enough before the job's type is chosen: every hop passed, or only the source's
 * binlog reader failed. Only jobs that replicate changes read the binlog; the precheck, which knows the type,
 * fails them on it, while an existing-data job needs no binlog privilege at all.
 */
export function usableBeforeJobType(result: ConnectionTestResult): boolean {
  if (result.ok) return true
  const failed = result.hops.filter((h) => !h.ok)
  return result.side === 'source' && failed.length > 0 && failed.every((h) => h.hop === 'binlog')
}
