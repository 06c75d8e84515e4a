import { failed, pass, readsBinlog, type PrecheckCheck } from '../check'

export function binlogIsOn(value: string | undefined): boolean {
  return value === 'ON' || value === '1'
}

export const binlogEnableCheck: PrecheckCheck = {
  id: 'binlog_enable',
  title: 'Source binary log is enabled',
  appliesTo: readsBinlog,
  async run(facts) {
    if (binlogIsOn(facts.source.variables.get('log_bin'))) return pass('log_bin = ON.')
    const id = Number(facts.source.variables.get('server_id') ?? 0) || 1
    return failed(
      'The binary log is off, so there is nothing to replicate changes from. Turning it on needs a restart.',
      `my.cnf, [mysqld] section, then restart the server:\n  log_bin = mysql-bin\n  server_id = ${id}\n  binlog_format = ROW\n  binlog_row_image = FULL\n` +
        '(RDS: enable automated backups; Aurora: set binlog_format in the cluster parameter group and reboot the writer; Cloud SQL: enable point-in-time recovery.)',
    )
  },
}
