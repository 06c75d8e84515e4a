import { binlogStatusStatement, versionAtLeast } from '../../connect/serverInfo'
import type { ServerInfo } from '../../connect/session'
import { account, failed, pass, readsBinlog, warning, type PrecheckCheck } from '../check'
import { ER_ACCESS_DENIED, probeBinlogDump, type BinlogDumpOutcome } from '../binlogDumpProbe'
import { hasGlobal, parseGrants } from '../grantParser'
import { binlogIsOn } from './binlogEnable'

/** MariaDB 10.5 split REPLICATION CLIENT into BINLOG MONITOR (and shows the new name in SHOW GRANTS). */
export function clientPrivilegeName(info: Pick<ServerInfo, 'flavor' | 'version'>): string {
  return info.flavor === 'mariadb' && versionAtLeast(info, '10.5.0') ? 'BINLOG MONITOR' : 'REPLICATION CLIENT'
}

type Probe = { ok: true } | { ok: false; denied: boolean; message: string } | { ok: 'skipped'; why: string }

function fromDump(outcome: BinlogDumpOutcome): Probe {
  if (outcome.ok === true) return { ok: true }
  if (outcome.ok === 'timeout') return { ok: 'skipped', why: 'the binlog dump did not answer within 15 s' }
  return { ok: false, denied: outcome.errno !== null && ER_ACCESS_DENIED.has(outcome.errno), message: outcome.message }
}

/**
 * Verdict from functional probes (the binlog status statement, a real non-blocking binlog dump), message from
 * the grants: DM's grant parsing failed MariaDB 10.5+ outright (pain point 12); a working probe cannot lie.
 */
export const replicationPrivilegeCheck: PrecheckCheck = {
  id: 'replication_privilege',
  title: 'Source user can read the binlog',
  appliesTo: readsBinlog,
  async run(facts, ctx) {
    const { info } = facts.source
    const who = account(facts.source.account.user, facts.source.account.host)
    const clientName = clientPrivilegeName(info)
    const grants = parseGrants(facts.source.grants)
    const grantSays = {
      slave: hasGlobal(grants, 'REPLICATION SLAVE'),
      client: hasGlobal(grants, 'REPLICATION CLIENT', 'BINLOG MONITOR', 'SUPER'),
    }
    const statement = binlogStatusStatement(info)
    let status: Probe
    try {
      await ctx.source(statement)
      status = { ok: true }
    } catch (error) {
      const e = error as { errno?: number; message: string }
      status = { ok: false, denied: e.errno !== undefined && ER_ACCESS_DENIED.has(e.errno), message: e.message }
    }
    let dump: Probe
    if (!binlogIsOn(facts.source.variables.get('log_bin'))) dump = { ok: 'skipped', why: 'the binary log is off' }
    else {
      const session = await ctx.openDedicatedSession('source')
      try {
        dump = fromDump(await probeBinlogDump(session, info, { file: '', position: 4 }))
      } finally {
        await session.close().catch(() => undefined)
      }
    }

    const needs = {
      slave: dump.ok === true ? false : dump.ok === false ? dump.denied || !grantSays.slave : !grantSays.slave,
      client: status.ok === true ? false : status.ok === false && status.denied ? true : !grantSays.client,
    }
    const missing = [needs.slave ? 'REPLICATION SLAVE' : null, needs.client ? clientName : null].filter((p): p is string => p !== null)
    const fix = missing.length > 0 ? `GRANT ${missing.join(', ')} ON *.* TO ${who};` : ''
    const evidence = [
      status.ok === true ? `${statement} works` : status.ok === false ? `${statement} failed: ${status.message}` : '',
      dump.ok === true ? 'a binlog dump works' : dump.ok === false ? `a binlog dump failed: ${dump.message}` : `the binlog dump was not tried (${dump.why})`,
    ].filter(Boolean)

    if (missing.length === 0) {
      if (dump.ok === 'skipped' && grants.unparsed.length > 0 && !grantSays.slave) {
        return warning(
          `${who}: ${evidence.join('; ')}. REPLICATION SLAVE could not be confirmed from these grants: ${grants.unparsed.join(' | ')}`,
          `GRANT REPLICATION SLAVE, ${clientName} ON *.* TO ${who};`,
        )
      }
      return pass(`${who}: ${evidence.join('; ')}.`)
    }
    const probedDenial = (status.ok === false && status.denied) || (dump.ok === false && dump.denied)
    if (!probedDenial && grants.unparsed.length > 0) {
      return warning(`${who} seems to lack ${missing.join(' and ')} (${evidence.join('; ')}); these grants could not be read: ${grants.unparsed.join(' | ')}`, fix)
    }
    return failed(`${who} lacks ${missing.join(' and ')}: ${evidence.join('; ')}.`, fix)
  },
}
