import type { InvokeChannel, InvokeResponse, ParsedRequest, AppInfo } from '../../shared/ipc/contract'
import type { Engine } from '../engine/engine'
import type { InvokeOrigin } from './dispatch'
import { pickFile } from './fileDialogs'
import type { FilePicker } from './fileDialogs'

export type Handlers = {
  [C in InvokeChannel]: (
    request: ParsedRequest<C>,
    origin: InvokeOrigin,
  ) => Promise<InvokeResponse<C>> | InvokeResponse<C>
}

/** What only a desktop host can do; the browser bridge passes none of it. */
export interface HostAbilities {
  /** The OS file picker; without it `dialog:openFile` answers DIALOG_UNAVAILABLE and the UI asks for typed paths. */
  pickFile?: FilePicker
}

/** Maps every contract channel to the engine; the same table serves Electron IPC and the browser bridge. */
export function createHandlers(
  engine: Engine,
  host: Pick<AppInfo, 'host' | 'version'>,
  abilities: HostAbilities = {},
): Handlers {
  return {
    'app:info': () => ({
      ...host,
      storePath: engine.store.path,
      secretsAtRest: engine.secretsAtRest,
      secretsNote: engine.secretsNote,
      nativeDialogs: abilities.pickFile !== undefined,
    }),
    'job:list': () => engine.listJobs(),
    'job:get': ({ id }) => engine.getJob(id),
    'job:create': ({ config }) => engine.createJob(config),
    // Pause, delete and rescale reach a job another process runs (a terminal's `cutover run`) through the store.
    'job:delete': async ({ id }) => {
      await engine.controlJob(id, { action: 'delete' })
      return { deleted: true as const }
    },
    'job:history': ({ id }) => engine.jobHistory(id),
    'job:events': ({ id, ...options }) => engine.listEvents(id, options),
    'job:start': ({ id, secrets }) => engine.startJob(id, {}, secrets),
    'job:pause': async ({ id }) => {
      await engine.controlJob(id, { action: 'pause' })
      return { paused: true as const }
    },
    'job:resume': ({ id, secrets }) => engine.startJob(id, {}, secrets),
    'job:restart': ({ id, secrets }) => engine.startJob(id, {}, secrets),
    'job:rescale': async ({ id, spec }) => {
      await engine.controlJob(id, { action: 'rescale', spec })
      return { rescaled: true as const }
    },
    'job:status': ({ id }) => engine.jobStatus(id),
    // The repair SQL goes beside the store: a renderer never names a file the engine writes.
    'job:validate': ({ id, validationId, tables, secrets }) =>
      engine.validateJob(id, { validationId, tables }, secrets),
    'validation:cancel': ({ validationId }) => engine.cancelValidation(validationId),
    'job:lastValidation': ({ id }) => engine.lastValidation(id),
    'job:cutoverReadiness': ({ id, readySeconds, validate }) => engine.cutoverReadiness(id, { readySeconds, validate }),
    'job:cutover': ({ id, request, secrets }) => engine.cutoverJob(id, request, secrets),
    'job:cancelCutover': ({ id }) => engine.cancelCutover(id),
    'job:cutoverRecord': ({ id }) => engine.cutoverRecord(id),
    'job:report': ({ id }) => engine.migrationReport(id),
    'job:blockedDdl': ({ id }) => engine.blockedDdl(id),
    'job:resolveDdl': ({ id, action, statements }) => engine.resolveBlockedDdl(id, action, statements),
    'precheck:run': (request) => engine.runPrecheck(request),
    'precheck:cancel': ({ runId }) => engine.cancelPrecheck(runId),
    // The result carries no profile, so a password from the request is never echoed back.
    'connection:test': (request) => engine.testConnection(request),
    'source:objects': (request) => engine.discoverSourceObjects(request),
    'alert:list': () => engine.listAlerts(),
    'settings:get': () => engine.getSettings(),
    'settings:set': ({ settings }) => engine.setSettings(settings),
    'dialog:openFile': ({ purpose }, origin) => pickFile(abilities.pickFile, purpose, origin),
  }
}
