import { failed, pass, readsBinlog, warning, type PrecheckCheck } from '../check'

export const gtidModeCheck: PrecheckCheck = {
  id: 'gtid_mode',
  title: 'Source GTID mode',
  appliesTo: readsBinlog,
  async run(facts) {
    const v = facts.source.variables
    const startsAtGtid = facts.config.start !== null && typeof facts.config.start === 'object' && 'gtid' in facts.config.start
    if (facts.source.info.flavor === 'mariadb') {
      const pos = v.get('gtid_binlog_pos') ?? ''
      const strict = v.get('gtid_strict_mode') ?? 'OFF'
      return pass(`MariaDB GTIDs are always on (gtid_binlog_pos '${pos}', gtid_domain_id ${v.get('gtid_domain_id') ?? '0'}, gtid_strict_mode ${strict}); positions are checkpointed as GTIDs.`)
    }
    const mode = (v.get('gtid_mode') ?? 'OFF').toUpperCase()
    if (mode === 'ON') return pass('gtid_mode = ON: positions are checkpointed as GTID sets and survive a failover.')
    const fix =
      "SET PERSIST enforce_gtid_consistency = ON;\nSET PERSIST gtid_mode = OFF_PERMISSIVE;\nSET PERSIST gtid_mode = ON_PERMISSIVE;\n-- wait until SHOW STATUS LIKE 'Ongoing_anonymous_transaction_count' is 0, then:\nSET PERSIST gtid_mode = ON;"
    if (startsAtGtid) return failed(`gtid_mode is ${mode}, but the job starts from a GTID set.`, fix)
    return warning(
      `gtid_mode is ${mode}: positions are binlog file + offset, which do not carry over if the source fails over to a replica.`,
      fix,
    )
  },
}
