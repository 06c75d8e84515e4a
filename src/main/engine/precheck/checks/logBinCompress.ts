import { failed, globalSettingFix, pass, readsBinlog, type PrecheckCheck } from '../check'

export const logBinCompressCheck: PrecheckCheck = {
  id: 'log_bin_compress',
  title: 'MariaDB binlog compression is off',
  appliesTo: (config, servers) => readsBinlog(config) && servers.source.flavor === 'mariadb',
  async run(facts) {
    const value = facts.source.variables.get('log_bin_compress')
    if (value === undefined || value.toUpperCase() === 'OFF') return pass('log_bin_compress = OFF.')
    return failed(
      'log_bin_compress is ON: compressed row events are not supported by the replication path DM and Cutover share.',
      globalSettingFix(facts.source.info, 'log_bin_compress', 'OFF', false),
    )
  },
}
