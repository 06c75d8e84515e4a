import { failed, globalSettingFix, pass, readsBinlog, type PrecheckCheck } from '../check'

export const binlogFormatCheck: PrecheckCheck = {
  id: 'binlog_format',
  title: 'Source binlog_format is ROW',
  appliesTo: readsBinlog,
  async run(facts) {
    const value = (facts.source.variables.get('binlog_format') ?? '').toUpperCase()
    if (value === 'ROW') return pass('binlog_format = ROW.')
    return failed(
      `binlog_format is ${value || 'not set'}: only ROW events carry the changed rows, so ${value || 'this'} changes cannot be replicated exactly.`,
      `${globalSettingFix(facts.source.info, 'binlog_format', 'ROW')}\nSessions connected before the change keep their format until they reconnect; restart the application's connections, then FLUSH BINARY LOGS;`,
    )
  },
}
