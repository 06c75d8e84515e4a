import { failed, pass, readsBinlog, type PrecheckCheck } from '../check'

export const auroraReaderCheck: PrecheckCheck = {
  id: 'aurora_reader',
  title: 'Aurora source is the writer',
  appliesTo: (config, servers) => readsBinlog(config) && servers.source.auroraRole !== null,
  async run(facts) {
    if (facts.source.info.auroraRole === 'writer') return pass('The source is the Aurora writer instance.')
    return failed(
      'The source is an Aurora reader instance: readers have no binlog, so changes cannot be replicated from it.',
      'Point source.host at the cluster (writer) endpoint, e.g. mycluster.cluster-xxxx.region.rds.amazonaws.com, or choose type: existing.',
    )
  },
}
