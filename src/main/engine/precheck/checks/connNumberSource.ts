import { copiesExistingData, failed, globalSettingFix, pass, warning, type PrecheckCheck } from '../check'
import { judgeCapacity, readCapacity } from '../connectionCapacity'

/** Export threads, one control connection, and the binlog reader when the job also replicates. */
export function sourceConnectionsNeeded(config: { spec: { concurrency: number }; type: string }): number {
  return config.spec.concurrency + 1 + (config.type === 'both' ? 1 : 0)
}

export const connNumberSourceCheck: PrecheckCheck = {
  id: 'conn_number_source',
  title: 'Source accepts the connections the export needs',
  appliesTo: copiesExistingData,
  async run(facts, ctx) {
    const needed = sourceConnectionsNeeded(facts.config)
    const capacity = await readCapacity(ctx.source, facts.source)
    const verdict = judgeCapacity(capacity, needed)
    const fix = `${globalSettingFix(facts.source.info, 'max_connections', String((capacity.used ?? 0) + needed + 50), false)}\nor lower spec.concurrency in the job (now ${facts.config.spec.concurrency}).`
    if (verdict.kind === 'ok') return pass(verdict.text)
    if (verdict.kind === 'tight') return warning(verdict.text, fix)
    return failed(verdict.text, fix)
  },
}
