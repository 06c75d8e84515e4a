import type { TlsMode } from '../../../../shared/domain/connection'
import { tlsModes } from '../../../../shared/domain/connection'
import { workaroundFor } from '../../../../shared/domain/errors'
import type { ConnectionTestResult } from '../../../../shared/domain/connectionTest'
import { usableBeforeJobType } from '../../../../shared/domain/connectionTest'
import { FilePathField } from '../../components/FilePathField'
import { TextField } from '../../components/TextField'
import { useStore } from '../../stores/store'
import type { ConnectionDraft, Side, SideTest } from '../../stores/wizardSlice'

const tlsLabels: Record<TlsMode, string> = {
  off: 'Off',
  preferred: 'Preferred (encrypt if the server offers it)',
  required: 'Required (encrypt, do not verify)',
  'verify-ca': 'Verify CA',
  'verify-identity': 'Verify CA and host name',
}

type FieldName = keyof ConnectionDraft

/** Where an engine error belongs in the form, so it is shown at the field the user must change. */
function fieldOfProblem(code: string, hop: string | null, draft: ConnectionDraft): FieldName | null {
  switch (code) {
    case 'SSH_UNREACHABLE':
      return 'sshHost'
    case 'SSH_AUTH':
      return draft.sshAuth === 'password' ? 'sshPassword' : 'sshKeyPath'
    case 'SSH_KEY_FILE':
      return 'sshKeyPath'
    case 'CONN_DNS':
    case 'CONN_UNREACHABLE':
      return 'host'
    case 'CONN_REFUSED':
    case 'CONN_TIMEOUT':
      return 'port'
    case 'TLS_HANDSHAKE':
    case 'TLS_VERIFY':
      return 'tlsMode'
    case 'CONN_AUTH':
      return 'password'
    case 'CONN_PRIVILEGE':
      return 'user'
  }
  const byHop: Record<string, FieldName> = {
    dns: 'host',
    ssh: 'sshHost',
    tcp: 'port',
    tls: 'tlsMode',
    auth: 'password',
  }
  return hop ? (byHop[hop] ?? null) : null
}

function failedHop(result: ConnectionTestResult | null): string | null {
  return result?.hops.find((h) => !h.ok)?.hop ?? null
}

export function fieldErrors(test: SideTest | undefined, draft: ConnectionDraft): Partial<Record<FieldName, string>> {
  if (!test) return {}
  // The binlog reader is not a field's fault, and not needed before the type is chosen.
  if (test.result && usableBeforeJobType(test.result)) return {}
  const problem = test.problem ?? test.result?.error ?? null
  if (!problem) return {}
  const field = fieldOfProblem(problem.code, failedHop(test.result), draft)
  return field ? { [field]: problem.message } : {}
}

/** Required-field checks before anything is sent: a missing host should not cost a network round trip. */
export function localErrors(c: ConnectionDraft): Partial<Record<FieldName, string>> {
  const errors: Partial<Record<FieldName, string>> = {}
  const port = (value: string) => /^\d+$/.test(value) && Number(value) >= 1 && Number(value) <= 65535
  if (c.host.trim() === '') errors.host = 'Enter the host name or IP address.'
  if (!port(c.port)) errors.port = 'Enter a port between 1 and 65535.'
  if (c.user.trim() === '') errors.user = 'Enter the user name.'
  if (c.sshEnabled) {
    if (c.sshHost.trim() === '') errors.sshHost = 'Enter the SSH host.'
    if (!port(c.sshPort)) errors.sshPort = 'Enter a port between 1 and 65535.'
    if (c.sshUser.trim() === '') errors.sshUser = 'Enter the SSH user.'
    if (c.sshAuth === 'key' && c.sshKeyPath.trim() === '') errors.sshKeyPath = 'Enter the path of the private key file.'
  }
  return errors
}

export function ConnectionForm({ side, showLocalErrors }: { side: Side; showLocalErrors: boolean }) {
  const draft = useStore((s) => s.draft[side])
  const test = useStore((s) => s.tests[side])
  const secretsAtRest = useStore((s) => s.info?.secretsAtRest ?? true)
  const secretsNote = useStore((s) => s.info?.secretsNote ?? '')
  const editConnection = useStore((s) => s.editConnection)
  const edit = (patch: Partial<ConnectionDraft>) => editConnection(side, patch)
  const errors = { ...(showLocalErrors ? localErrors(draft) : {}), ...fieldErrors(test, draft) }
  const id = (name: string) => `${side}-${name}`
  const title = side === 'source' ? 'Source (MySQL / MariaDB)' : 'Target (TiDB)'
  const secretHint = secretsAtRest
    ? 'Sent once to Cutover and stored encrypted; it is never shown again.'
    : `Not stored: ${secretsNote || 'this host cannot encrypt secrets at rest, so the password is kept in memory only while Cutover runs.'}`

  return (
    <section className="card connection-card" aria-labelledby={id('title')}>
      <div className="card-head">
        <h3 id={id('title')}>{title}</h3>
        {side === 'target' && (
          <button
            type="button"
            className="button ghost small"
            onClick={() => edit({ port: '4000', tlsMode: 'verify-identity' })}
            title="Port 4000 and TLS verifying the server's certificate and host name, as TiDB Cloud Serverless requires"
          >
            TiDB Cloud Serverless preset
          </button>
        )}
      </div>
      <div className="grid grid-host">
        <TextField
          id={id('host')}
          label="Hostname or IP address"
          value={draft.host}
          onValue={(host) => edit({ host })}
          error={errors.host}
          autoComplete="off"
          spellCheck={false}
        />
        <TextField
          id={id('port')}
          label="Port"
          value={draft.port}
          onValue={(port) => edit({ port })}
          error={errors.port}
          inputMode="numeric"
        />
      </div>
      <div className="grid grid-2">
        <TextField
          id={id('user')}
          label="Username"
          value={draft.user}
          onValue={(user) => edit({ user })}
          error={errors.user}
          autoComplete="off"
          spellCheck={false}
        />
        <TextField
          id={id('password')}
          label="Password"
          type="password"
          value={draft.password}
          onValue={(password) => edit({ password })}
          error={errors.password}
          autoComplete="new-password"
          hint={<span className={secretsAtRest ? '' : 'warn-text'}>{secretHint}</span>}
        />
      </div>

      <fieldset className="subsection">
        <legend>SSL/TLS</legend>
        <div className={`field ${errors.tlsMode ? 'field-invalid' : ''}`}>
          <label htmlFor={id('tls')}>TLS mode</label>
          <select
            id={id('tls')}
            value={draft.tlsMode}
            onChange={(e) => edit({ tlsMode: e.target.value as TlsMode })}
            aria-invalid={errors.tlsMode ? true : undefined}
            aria-describedby={errors.tlsMode ? `${id('tls')}-error` : undefined}
          >
            {tlsModes.map((mode) => (
              <option key={mode} value={mode}>
                {tlsLabels[mode]}
              </option>
            ))}
          </select>
          {errors.tlsMode && (
            <div id={`${id('tls')}-error`} className="field-error">
              {errors.tlsMode}
            </div>
          )}
        </div>
        {draft.tlsMode !== 'off' && (
          <div className="grid">
            <FilePathField
              purpose="tlsCa"
              id={id('ca')}
              label="CA certificate file"
              value={draft.ca}
              onValue={(ca) => edit({ ca })}
              placeholder="/path/to/ca.pem"
              hint="Empty: the system's trusted CAs."
            />
            <FilePathField
              purpose="tlsCert"
              id={id('cert')}
              label="Client certificate file"
              value={draft.cert}
              onValue={(cert) => edit({ cert })}
              placeholder="optional"
            />
            <FilePathField
              purpose="tlsKey"
              id={id('key')}
              label="Client key file"
              value={draft.key}
              onValue={(key) => edit({ key })}
              placeholder="optional"
            />
          </div>
        )}
      </fieldset>

      <fieldset className="subsection">
        <legend>SSH tunnel</legend>
        <div className="check-row">
          <input
            id={id('ssh')}
            type="checkbox"
            checked={draft.sshEnabled}
            onChange={(e) => edit({ sshEnabled: e.target.checked })}
          />
          <label htmlFor={id('ssh')}>Connect through an SSH bastion</label>
        </div>
        {draft.sshEnabled && (
          <>
            <div className="grid grid-host">
              <TextField
                id={id('ssh-host')}
                label="SSH host"
                value={draft.sshHost}
                onValue={(sshHost) => edit({ sshHost })}
                error={errors.sshHost}
                spellCheck={false}
              />
              <TextField
                id={id('ssh-port')}
                label="SSH port"
                value={draft.sshPort}
                onValue={(sshPort) => edit({ sshPort })}
                error={errors.sshPort}
                inputMode="numeric"
              />
            </div>
            <div className="grid grid-2">
              <TextField
                id={id('ssh-user')}
                label="SSH user"
                value={draft.sshUser}
                onValue={(sshUser) => edit({ sshUser })}
                error={errors.sshUser}
                spellCheck={false}
              />
              <div className="field">
                <label htmlFor={id('ssh-auth')}>SSH authentication</label>
                <select
                  id={id('ssh-auth')}
                  value={draft.sshAuth}
                  onChange={(e) => edit({ sshAuth: e.target.value as 'password' | 'key' })}
                >
                  <option value="password">Password</option>
                  <option value="key">Private key file</option>
                </select>
              </div>
            </div>
            {draft.sshAuth === 'password' ? (
              <TextField
                id={id('ssh-password')}
                label="SSH password"
                type="password"
                value={draft.sshPassword}
                onValue={(sshPassword) => edit({ sshPassword })}
                error={errors.sshPassword}
                autoComplete="new-password"
              />
            ) : (
              <div className="grid grid-key">
                <FilePathField
                  purpose="sshKey"
                  id={id('ssh-key')}
                  label="Private key file"
                  value={draft.sshKeyPath}
                  onValue={(sshKeyPath) => edit({ sshKeyPath })}
                  error={errors.sshKeyPath}
                  placeholder="~/.ssh/id_ed25519"
                />
                <TextField
                  id={id('ssh-passphrase')}
                  label="Key passphrase"
                  type="password"
                  value={draft.sshPassphrase}
                  onValue={(sshPassphrase) => edit({ sshPassphrase })}
                  placeholder="if the key has one"
                  autoComplete="new-password"
                />
              </div>
            )}
          </>
        )}
      </fieldset>
      <TestResult side={side} test={test} />
    </section>
  )
}

const hopLabels: Record<string, string> = {
  dns: 'DNS',
  ssh: 'SSH tunnel',
  tcp: 'TCP connect',
  tls: 'TLS',
  auth: 'Login',
  query: 'Server',
  binlog: 'Binlog reader',
}

function TestResult({ side, test }: { side: Side; test: SideTest | undefined }) {
  if (!test) return null
  const result = test.result
  const problem = test.problem ?? result?.error ?? null
  // Connected, but the binlog reader could not attach: a warning until the type says whether the job reads it.
  const binlogOnly = result !== null && !result.ok && usableBeforeJobType(result)
  const state = result?.ok ? 'ok' : binlogOnly ? 'warning' : 'failed'
  return (
    <div className={`test-result test-${state}`} id={`${side}-test`} tabIndex={-1} aria-live="polite">
      <div className="test-title">
        {state === 'ok'
          ? '✓ Connected'
          : state === 'warning'
            ? '✓ Connected, without a binlog reader'
            : '✗ Connection failed'}
        {result?.server && (
          <span className="muted">
            {' '}
            · {result.server.flavor} {result.server.version}
            {result.tls ? ` · ${result.tls.version}` : ' · not encrypted'}
          </span>
        )}
      </div>
      {result && result.hops.length > 0 && (
        <ol className="hops" aria-label={`${side} connection hops`}>
          {result.hops.map((h) => (
            <li key={h.hop} className={h.ok ? 'hop-ok' : binlogOnly ? 'hop-warning' : 'hop-failed'}>
              <span className="hop-mark" aria-hidden="true">
                {h.ok ? '✓' : binlogOnly ? '!' : '✗'}
              </span>
              <span className="hop-name">{hopLabels[h.hop] ?? h.hop}</span>
              <span className="hop-detail">
                {!h.ok && problem ? (binlogOnly ? 'not available: see below' : 'failed: see below') : h.detail}
              </span>
              <span className="hop-ms">{h.ms.toFixed(0)} ms</span>
            </li>
          ))}
        </ol>
      )}
      {problem && (
        <div className="problem compact">
          {binlogOnly && (
            <p className="problem-lead">
              Needed only to replicate changes (the types with incremental). An existing-data job does not read the
              binlog; for the others the precheck fails on this until it is fixed.
            </p>
          )}
          <div className="problem-head">
            <strong>{problem.message}</strong>
            <code className="problem-code">{problem.code}</code>
          </div>
          {problem.workaround && (
            <p className="problem-fix">
              <span className="fix-label">Fix</span> {workaroundFor(problem, 'app')}
            </p>
          )}
        </div>
      )}
    </div>
  )
}
