import { failed, globalSettingFix, pass, readsBinlog, type PrecheckCheck } from '../check'

export const binlogRowImageCheck: PrecheckCheck = {
  id: 'binlog_row_image',
  title: 'Source binlog_row_image is FULL',
  appliesTo: readsBinlog,
  async run(facts) {
    const value = facts.source.variables.get('binlog_row_image')
    // Aurora does not expose it and always logs full images (TiDB Cloud DM's docs: the item never fails there).
    if (value === undefined) return pass('This server has no binlog_row_image setting: it always logs full rows.')
    if (value.toUpperCase() === 'FULL') return pass('binlog_row_image = FULL.')
    return failed(
      `binlog_row_image is ${value}: updates and deletes then log only some columns, and the target row cannot be found or fully updated.`,
      `${globalSettingFix(facts.source.info, 'binlog_row_image', 'FULL')}\nSessions connected before the change keep their setting until they reconnect.`,
    )
  },
}
