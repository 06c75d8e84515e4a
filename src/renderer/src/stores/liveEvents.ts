/** Routes the contract's events into the store, once for the whole app, so pages never subscribe twice. */
import { subscribe } from '../api'
import { useStore } from './store'

export function connectLiveEvents(): () => void {
  const { getState } = useStore
  const offs = [
    subscribe('job:progress', (p) => getState().receiveProgress(p)),
    subscribe('job:log', (entry) => getState().receiveLog(entry)),
    subscribe('precheck:item', ({ runId, item }) => getState().receivePrecheckItem(runId, item)),
    subscribe('validation:progress', (p) => getState().receiveValidationProgress(p)),
    subscribe('validation:finished', (result) => getState().receiveValidationFinished(result)),
    subscribe('validation:continuous', (status) => getState().receiveContinuousValidation(status)),
    subscribe('cutover:progress', (p) => getState().receiveCutoverProgress(p)),
    subscribe('job:alert', (event) => getState().receiveAlert(event)),
    subscribe('job:reconnecting', ({ jobId, retry }) => getState().receiveRetry(jobId, retry)),
    subscribe('job:stageChanged', ({ jobId, status }) => {
      // A job that stopped waits for nothing.
      if (status !== 'running') getState().receiveRetry(jobId, null)
      if (getState().detailId === jobId) void getState().refreshDetail()
    }),
    subscribe('jobs:changed', ({ jobId, change }) => {
      void getState().loadJobs()
      // A deleted job's alerts end with it; the engine says so on its next evaluation, this says it now.
      if (change === 'deleted') void getState().loadAlerts()
      const { detailId, route } = getState()
      if (detailId !== jobId) return
      if (change === 'deleted') {
        getState().closeDetail()
        if (route.page === 'job') getState().navigate({ page: 'jobs' }, { replace: true })
      } else void getState().refreshDetail()
    }),
  ]
  return () => offs.forEach((off) => off())
}
