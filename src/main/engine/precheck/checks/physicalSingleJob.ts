import { failed, pass, type PrecheckCheck } from '../check'

/** Physical import takes the target's import path for itself; two at once corrupt each other's ranges. */
export const physicalSingleJobCheck: PrecheckCheck = {
  id: 'physical_single_job',
  title: 'No other physical-mode job writes to this target',
  appliesTo: (config) => config.mode === 'physical',
  async run(facts) {
    const { host, port } = facts.config.target
    const others = facts.activeJobs.filter(
      (j) =>
        j.mode === 'physical' &&
        j.status === 'running' &&
        j.name !== facts.config.name &&
        j.target.host === host &&
        j.target.port === port,
    )
    if (others.length === 0) return pass(`No other physical-mode job is running against ${host}:${port}.`)
    return failed(
      `${others.map((j) => `"${j.name}"`).join(', ')} already runs in physical mode against ${host}:${port}; only one physical import may run per target.`,
      `Wait for "${others[0]!.name}" to finish its existing-data stage.`,
      [{ kind: 'setting', setting: 'mode', value: 'logical', join: 'or' }],
    )
  },
}
