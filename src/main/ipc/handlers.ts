import type { InvokeChannel, InvokeResponse, ParsedRequest, AppInfo } from '../../shared/ipc/contract'
import type { Engine } from '../engine/engine'

export type Handlers = {
  [C in InvokeChannel]: (request: ParsedRequest<C>) => Promise<InvokeResponse<C>> | InvokeResponse<C>
}

/** Maps every contract channel to the engine; the same table serves Electron IPC and the browser bridge. */
export function createHandlers(engine: Engine, host: Pick<AppInfo, 'host' | 'version'>): Handlers {
  return {
    'app:info': () => ({
      ...host,
      storePath: engine.store.path,
      secretsAtRest: engine.secretsAtRest,
      secretsNote: engine.secretsNote,
    }),
    'job:list': () => engine.listJobs(),
    'job:get': ({ id }) => engine.getJob(id),
    'job:create': ({ config }) => engine.createJob(config),
    'job:delete': ({ id }) => engine.deleteJob(id),
    'job:events': ({ id, ...options }) => engine.listEvents(id, options),
    'job:start': ({ id }) => engine.startJob(id),
    'job:pause': ({ id }) => engine.pauseJob(id),
    'job:resume': ({ id }) => engine.startJob(id),
    'job:restart': ({ id }) => engine.startJob(id),
    'job:rescale': ({ id, spec }) => engine.rescaleJob(id, spec),
    'job:status': ({ id }) => engine.jobStatus(id),
    'precheck:run': (request) => engine.runPrecheck(request),
    'precheck:cancel': ({ runId }) => engine.cancelPrecheck(runId),
    // The result carries no profile, so a password from the request is never echoed back.
    'connection:test': (request) => engine.testConnection(request),
    'source:objects': (request) => engine.discoverSourceObjects(request),
  }
}
