import { globalSettingFix, pass, readsBinlog, warning, type PrecheckCheck } from '../check'

export const binlogRowMetadataCheck: PrecheckCheck = {
  id: 'binlog_row_metadata',
  title: 'Source binlog_row_metadata is FULL',
  appliesTo: readsBinlog,
  async run(facts) {
    const value = facts.source.variables.get('binlog_row_metadata')
    const why =
      'Column names then come from the live schema, not from the binlog: replaying changes logged before an ALTER TABLE ' +
      'can put values in the wrong columns, and ENUM values with commas or quotes decode wrongly.'
    if (value === undefined) {
      return warning(
        `This server cannot log row metadata (MySQL 8.0.14+ and MariaDB 10.5+ can). ${why}`,
        'Avoid schema changes on migrated tables while the job replicates, or upgrade the source.',
      )
    }
    if (value.toUpperCase() === 'FULL') return pass('binlog_row_metadata = FULL: column names travel with every row event.')
    return warning(`binlog_row_metadata is ${value}. ${why}`, globalSettingFix(facts.source.info, 'binlog_row_metadata', 'FULL'))
  },
}
