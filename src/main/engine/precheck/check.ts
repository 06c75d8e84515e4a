/**
 * The shape of one precheck (DM's model: a small object returning pass / warning / failed plus the exact
 * fix), and the few phrases every check's fix text shares.
 */
import type { JobConfig } from '../../../shared/domain/job'
import type { FixAction, PrecheckStatus } from '../../../shared/domain/precheck'
import type { ServerInfo, SqlSession } from '../connect/session'
import { versionAtLeast } from '../connect/serverInfo'
import type { PrecheckFacts } from './precheckFacts'

export interface CheckOutcome {
  status: PrecheckStatus
  message: string
  /** The exact statement or server setting, worded for every surface; '' when there is nothing to do there. */
  fix: string
  /** Job settings that fix it too, worded by each surface (see shared/domain/fixWording). */
  actions?: FixAction[]
}

/** A query on one side, on a pooled connection; never hold it across checks. */
export type SideQuery = <T = Record<string, unknown>>(sql: string, params?: unknown[]) => Promise<T[]>

export interface CheckContext {
  signal: AbortSignal
  source: SideQuery
  target: SideQuery
  /**
   * A connection of its own, for probes that take a connection over (a binlog dump). The caller closes it;
   * it is not part of the pool so a probe can never starve the other checks.
   */
  openDedicatedSession(side: 'source' | 'target'): Promise<SqlSession>
}

export interface PrecheckCheck {
  id: string
  title: string
  /** Decided from the job and what the servers are; DM's applicability table (dm-precheck.md) for the DM ids. */
  appliesTo(config: JobConfig, servers: { source: ServerInfo; target: ServerInfo }): boolean
  run(facts: PrecheckFacts, ctx: CheckContext): Promise<CheckOutcome>
}

export const pass = (message: string): CheckOutcome => ({ status: 'pass', message, fix: '' })
export const warning = (message: string, fix: string, actions?: FixAction[]): CheckOutcome => ({
  status: 'warning',
  message,
  fix,
  ...(actions ? { actions } : {}),
})
export const failed = (message: string, fix: string, actions?: FixAction[]): CheckOutcome => ({
  status: 'failed',
  message,
  fix,
  ...(actions ? { actions } : {}),
})

export const readsBinlog = (config: JobConfig): boolean => config.type !== 'existing'
export const copiesExistingData = (config: JobConfig): boolean => config.type !== 'incremental'

/**
 * The statement to change a dynamic global variable now plus the line that keeps it after a restart.
 * MySQL 8 can persist with SET PERSIST; managed services only take parameter-group changes.
 */
export function globalSettingFix(info: ServerInfo, variable: string, value: string, quoted = true): string {
  const literal = quoted ? `'${value}'` : value
  const now =
    info.flavor === 'mysql' && versionAtLeast(info, '8.0.0')
      ? `SET PERSIST ${variable} = ${literal};`
      : `SET GLOBAL ${variable} = ${literal};`
  return `${now}\nmy.cnf, [mysqld] section: ${variable} = ${value}\n(RDS / Aurora / Cloud SQL: set ${variable} = ${value} in the DB parameter group or flags instead.)`
}

/** Quotes a user or host for a GRANT the way SHOW GRANTS prints it. */
export function account(user: string, host: string): string {
  const quote = (s: string) => `'${s.replace(/\\/g, '\\\\').replace(/'/g, "\\'")}'`
  return `${quote(user)}@${quote(host)}`
}

export function quoteIdentifier(name: string): string {
  return '`' + name.replace(/`/g, '``') + '`'
}

/** "a, b, c and 12 more": messages stay readable when a thousand tables share a problem. */
export function listSome(names: string[], limit = 10): string {
  if (names.length <= limit) return names.join(', ')
  return `${names.slice(0, limit).join(', ')} and ${names.length - limit} more`
}

export function plural(count: number, one: string, many = `${one}s`): string {
  return `${count} ${count === 1 ? one : many}`
}
