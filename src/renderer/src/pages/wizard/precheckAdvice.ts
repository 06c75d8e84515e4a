import type { PrecheckItem } from '../../../../shared/domain/precheck'

/**
 * What the banner over failed items says: fix the servers, change the job's settings (a wizard step), or either,
 * as the failed items' fixes are.
 */
export function failedBanner(failed: Pick<PrecheckItem, 'fix' | 'actions'>[]): string {
  const onServers = failed.some((i) => i.fix !== '')
  const inSettings = failed.some((i) => i.actions?.some((a) => a.kind === 'setting'))
  const then = 'then choose Check again. The job cannot start while an item fails.'
  if (inSettings && !onServers)
    return `Change the job's settings as each failed item says (Go to step takes you there), ${then}`
  if (inSettings)
    return `Fix the failed items on the servers, or change the job's settings where an item offers it (Go to step takes you there), ${then}`
  return `Fix the failed items on the servers, ${then}`
}
