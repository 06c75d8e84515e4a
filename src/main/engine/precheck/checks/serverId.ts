import { globalSettingFix, pass, readsBinlog, warning, type PrecheckCheck } from '../check'

export const serverIdCheck: PrecheckCheck = {
  id: 'server_id',
  title: 'Source server_id is set',
  appliesTo: readsBinlog,
  async run(facts) {
    const value = Number(facts.source.variables.get('server_id') ?? 0)
    if (value > 0) return pass(`server_id = ${value}.`)
    return warning(
      'server_id is 0 (or not set): a server without an id cannot be a replication source, and binlog events carry no origin.',
      `${globalSettingFix(facts.source.info, 'server_id', '1', false)}\n(Any number from 1 to 4294967295 that no other server in the replication topology uses.)`,
    )
  },
}
