import { copiesExistingData, globalSettingFix, pass, warning, type PrecheckCheck } from '../check'
import { judgeCapacity, readCapacity } from '../connectionCapacity'

/** A shortfall is only a warning, as in DM: load concurrency adapts, and TiDB spreads connections over servers. */
export const connNumberTargetCheck: PrecheckCheck = {
  id: 'conn_number_target',
  title: 'Target accepts the connections the load needs',
  appliesTo: copiesExistingData,
  async run(facts, ctx) {
    const needed = facts.config.spec.concurrency + 1
    const capacity = await readCapacity(ctx.target, facts.target)
    const verdict = judgeCapacity(capacity, needed)
    if (verdict.kind === 'ok') return pass(verdict.text)
    return warning(
      verdict.text,
      `${globalSettingFix(facts.target.info, 'max_connections', String((capacity.used ?? 0) + needed + 50), false)}\nor lower spec.concurrency in the job (now ${facts.config.spec.concurrency}).`,
    )
  },
}
