import { failed, globalSettingFix, pass, readsBinlog, type PrecheckCheck } from '../check'

/** Compressed transactions arrive as one TRANSACTION_PAYLOAD event the binlog reader cannot decode (pain point 3). */
export const binlogTransactionCompressionCheck: PrecheckCheck = {
  id: 'binlog_transaction_compression',
  title: 'Source binlog transaction compression is off',
  appliesTo: (config, servers) => readsBinlog(config) && servers.source.flavor === 'mysql',
  async run(facts) {
    const value = facts.source.variables.get('binlog_transaction_compression')
    if (value === undefined) return pass('This MySQL version (before 8.0.20) cannot compress binlog transactions.')
    if (value.toUpperCase() === 'OFF' || value === '0') return pass('binlog_transaction_compression = OFF.')
    return failed(
      'binlog_transaction_compression is ON: compressed transactions cannot be decoded by the replicator and would stop replication.',
      globalSettingFix(facts.source.info, 'binlog_transaction_compression', 'OFF', false),
    )
  },
}
