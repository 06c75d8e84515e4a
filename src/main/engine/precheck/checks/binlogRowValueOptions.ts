import { failed, globalSettingFix, pass, readsBinlog, type PrecheckCheck } from '../check'

/** PARTIAL_JSON writes PARTIAL_UPDATE_ROWS events that carry JSON diffs, not rows (pain point 4). */
export const binlogRowValueOptionsCheck: PrecheckCheck = {
  id: 'binlog_row_value_options',
  title: 'Source binlog_row_value_options is not PARTIAL_JSON',
  appliesTo: (config, servers) => readsBinlog(config) && servers.source.flavor === 'mysql',
  async run(facts) {
    const value = facts.source.variables.get('binlog_row_value_options')
    if (value === undefined || !/PARTIAL_JSON/i.test(value)) return pass(`binlog_row_value_options = '${value ?? ''}'.`)
    return failed(
      'binlog_row_value_options is PARTIAL_JSON: JSON updates are logged as partial diffs the replicator cannot apply.',
      globalSettingFix(facts.source.info, 'binlog_row_value_options', ''),
    )
  },
}
