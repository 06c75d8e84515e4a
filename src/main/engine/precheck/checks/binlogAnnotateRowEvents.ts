import { globalSettingFix, pass, readsBinlog, warning, type PrecheckCheck } from '../check'

export const binlogAnnotateRowEventsCheck: PrecheckCheck = {
  id: 'binlog_annotate_row_events',
  title: 'MariaDB annotate events (binlog size)',
  appliesTo: (config, servers) => readsBinlog(config) && servers.source.flavor === 'mariadb',
  async run(facts) {
    const value = facts.source.variables.get('binlog_annotate_row_events')
    if (value === undefined || value.toUpperCase() === 'OFF') return pass('binlog_annotate_row_events = OFF.')
    return warning(
      'binlog_annotate_row_events is ON: every row event is preceded by its SQL text. Replication is correct, but the binlog ' +
        'is larger (in tests, most of its bytes) and slower to read, and it fills the disk sooner.',
      globalSettingFix(facts.source.info, 'binlog_annotate_row_events', 'OFF', false),
    )
  },
}
