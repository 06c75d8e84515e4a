import { describe, expect, it } from 'vitest'
import { sqlOfFix } from './fixSql'

describe('the SQL of a fix', () => {
  it('keeps the statements and drops the prose around them', () => {
    const fix = [
      "SET GLOBAL binlog_format = 'ROW';",
      'my.cnf, [mysqld] section: binlog_format = ROW',
      '(RDS / Aurora / Cloud SQL: set binlog_format = ROW in the DB parameter group or flags instead.)',
      "Sessions connected before the change keep their format until they reconnect; restart the application's connections, then FLUSH BINARY LOGS;",
    ].join('\n')
    expect(sqlOfFix(fix)).toBe("SET GLOBAL binlog_format = 'ROW';")
  })

  it('keeps statements over several lines and their trailing comments', () => {
    const fix =
      'TRUNCATE TABLE `shop`.`orders`;  -- on the target\nGRANT SELECT,\n  RELOAD ON *.* TO `u`@`%`;\nor choose Logical mode'
    expect(sqlOfFix(fix)).toBe(
      'TRUNCATE TABLE `shop`.`orders`;  -- on the target\nGRANT SELECT,\n  RELOAD ON *.* TO `u`@`%`;',
    )
  })

  it('is null for a fix without a statement', () => {
    expect(sqlOfFix('Take a current position with SELECT @@gtid_binlog_pos; or SHOW MASTER STATUS;')).toBeNull()
    expect(sqlOfFix('')).toBeNull()
    expect(sqlOfFix('Drop those tables on the target so Cutover creates them from the source definition.')).toBeNull()
  })
})
