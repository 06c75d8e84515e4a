import { failed, pass, warning, type CheckContext, type CheckOutcome, type PrecheckCheck } from '../check'
import { ER_ACCESS_DENIED, probeBinlogDump, type BinlogStart } from '../binlogDumpProbe'
import type { FixAction } from '../../../../shared/domain/precheck'
import type { PrecheckFacts } from '../precheckFacts'

const mysqlGtidSet =
  /^\s*[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}(:[a-z_][a-z0-9_]{0,31})?(:\d+(-\d+)?)+(\s*,\s*[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}(:[a-z_][a-z0-9_]{0,31})?(:\d+(-\d+)?)+)*\s*$/i
const mariadbGtidList = /^\s*\d+-\d+-\d+(\s*,\s*\d+-\d+-\d+)*\s*$/

export function parseMariadbGtids(text: string): Map<number, { server: number; seq: bigint }> {
  const out = new Map<number, { server: number; seq: bigint }>()
  for (const part of text
    .split(',')
    .map((p) => p.trim())
    .filter(Boolean)) {
    const [domain, server, seq] = part.split('-')
    out.set(Number(domain), { server: Number(server), seq: BigInt(seq!) })
  }
  return out
}

const fixText = (facts: PrecheckFacts) =>
  `Take a current position with ${facts.source.info.flavor === 'mariadb' ? 'SELECT @@gtid_binlog_pos; or SHOW MASTER STATUS;' : 'SHOW BINARY LOG STATUS; (SHOW MASTER STATUS before 8.2)'}`

/** Where the position taken goes, or the type that needs none. */
const positionActions: FixAction[] = [
  { kind: 'setting', setting: 'start', join: 'then' },
  { kind: 'setting', setting: 'type', value: 'both', join: 'or', note: 'to copy the existing data first' },
]

async function probe(
  facts: PrecheckFacts,
  ctx: CheckContext,
  start: BinlogStart,
  label: string,
  /** The file's size before the probe, when known: a position before it must have an event to read. */
  fileSize: number | null = null,
): Promise<CheckOutcome> {
  const session = await ctx.openDedicatedSession('source')
  let outcome
  try {
    outcome = await probeBinlogDump(session, facts.source.info, start)
  } finally {
    await session.close().catch(() => undefined)
  }
  // 4, right after the magic number, is the start of every file, even one holding only its format description.
  if (
    outcome.ok === true &&
    outcome.events === 0 &&
    'file' in start &&
    start.position > 4 &&
    fileSize !== null &&
    start.position < fileSize
  ) {
    return failed(
      `The source cannot stream its binlog from ${label}: no event begins there (the file has ${fileSize} bytes, and reading at ${start.position} ended without one), so the position is inside another event.`,
      fixText(facts),
      positionActions,
    )
  }
  if (outcome.ok === true) return pass(`The source streams its binlog from ${label}.`)
  if (outcome.ok === 'timeout')
    return warning(
      `The source did not answer a binlog read from ${label} within 15 s.`,
      fixText(facts),
      positionActions,
    )
  if (outcome.errno !== null && ER_ACCESS_DENIED.has(outcome.errno)) {
    return failed(
      `Reading the binlog from ${label} was refused: ${outcome.message}`,
      'See replication_privilege for the GRANT.',
    )
  }
  return failed(
    `The source cannot stream its binlog from ${label}: ${outcome.message}`,
    fixText(facts),
    positionActions,
  )
}

export const metaPositionCheck: PrecheckCheck = {
  id: 'meta_position',
  title: 'Incremental start position exists on the source',
  appliesTo: (config) => config.type === 'incremental' && config.start !== null && config.start !== 'now',
  async run(facts, ctx) {
    const start = facts.config.start
    if (start === null || start === 'now') return pass('The job starts from the current position.')
    const { info, variables } = facts.source
    if ('file' in start) {
      const label = `${start.file}:${start.position}`
      let fileSize: number | null = null
      try {
        const logs = await ctx.source<{ Log_name: string; File_size: unknown }>('SHOW BINARY LOGS')
        const log = logs.find((l) => l.Log_name === start.file)
        if (!log) {
          const range =
            logs.length > 0 ? ` (the source has ${logs[0]!.Log_name} to ${logs[logs.length - 1]!.Log_name})` : ''
          return failed(
            `${start.file} is not among the source's binary logs${range}: it was purged, or the name is wrong.`,
            fixText(facts),
            positionActions,
          )
        }
        if (start.position > Number(log.File_size)) {
          return failed(
            `Position ${start.position} is past the end of ${start.file} (${Number(log.File_size)} bytes).`,
            fixText(facts),
            positionActions,
          )
        }
        fileSize = Number(log.File_size)
      } catch {
        // No BINLOG MONITOR / REPLICATION CLIENT: the dump probe below still answers.
      }
      return probe(facts, ctx, start, label, fileSize)
    }
    const gtid = start.gtid
    if (info.flavor === 'mariadb') {
      if (!mariadbGtidList.test(gtid)) {
        return failed(
          `"${gtid}" is not a MariaDB GTID position (domain-server-sequence, comma-separated, e.g. 0-1-100).`,
          fixText(facts),
          positionActions,
        )
      }
      const wanted = parseMariadbGtids(gtid)
      const current = parseMariadbGtids(variables.get('gtid_binlog_pos') ?? '')
      for (const [domain, w] of wanted) {
        const now = current.get(domain)
        if (now && w.seq > now.seq) {
          return failed(
            `Domain ${domain} is at sequence ${now.seq} on the source, before the requested ${w.seq}: the position is in the future.`,
            fixText(facts),
            positionActions,
          )
        }
      }
      const outcome = await probe(facts, ctx, { gtid }, `GTID ${gtid}`)
      // MariaDB starts a domain missing from the slave's position at the oldest binlog: a full replay of it.
      const absent = [...current.keys()].filter((d) => !wanted.has(d))
      if (outcome.status === 'pass' && absent.length > 0) {
        return warning(
          `The source also logs GTID domain ${absent.join(', ')} (${absent.map((d) => `${d}-${current.get(d)!.server}-${current.get(d)!.seq}`).join(', ')}), which the start position leaves out: ` +
            'its changes would be replayed from the oldest binlog still on the server.',
          `Give a position for every domain, e.g. start: { gtid: "${variables.get('gtid_binlog_pos') ?? ''}" } for "now".`,
        )
      }
      return outcome
    }
    if (!mysqlGtidSet.test(gtid)) {
      return failed(`"${gtid}" is not a MySQL GTID set (uuid:1-100, comma-separated).`, fixText(facts), positionActions)
    }
    if ((variables.get('gtid_mode') ?? 'OFF').toUpperCase() !== 'ON') {
      return failed(
        'The job starts from a GTID set but gtid_mode is not ON on the source.',
        'See gtid_mode, or start from a binlog file and position instead.',
      )
    }
    const [row] = await ctx.source<{ executed: unknown; purged: unknown }>(
      'SELECT GTID_SUBSET(?, @@global.gtid_executed) AS executed, GTID_SUBSET(@@global.gtid_purged, ?) AS purged',
      [gtid, gtid],
    )
    if (Number(row?.executed) !== 1)
      return failed(
        `The GTID set contains transactions the source never executed: ${gtid}.`,
        fixText(facts),
        positionActions,
      )
    if (Number(row?.purged) !== 1) {
      return failed(
        'The source already purged transactions that are not in the GTID set, so replication cannot start there.',
        fixText(facts),
        positionActions,
      )
    }
    return pass(`GTID set ${gtid} is executed on the source and nothing after it was purged.`)
  },
}
