/**
 * Turns what mysql2, ssh2, node:net/dns and zongji throw into a CutoverError whose code names the hop that
 * failed (DNS, TCP, SSH, TLS, login, privileges) and whose workaround is the fix for that hop (pain point 23:
 * "stalls forever without an error"). No message ever carries a password or passphrase.
 */
import { hostNameProblem, type ConnectionProfile } from '../../../shared/domain/connection'
import { CutoverError, type Surface } from '../../../shared/domain/errors'
import { compareVersions } from './serverInfo'

import type { ConnectionHop, ServerInfo } from '../../../shared/domain/connectionTest'

export type { ConnectionHop }

export interface ConnectionErrorContext {
  /** The hop being attempted when the error arrived; the error's own code may point at a more exact one. */
  hop: ConnectionHop
  profile: ConnectionProfile
  side?: 'source' | 'target'
  /** Known once the server answered; makes privilege fixes flavour-exact (MariaDB's BINLOG MONITOR). */
  server?: ServerInfo | null
  /** The host part of CURRENT_USER() once logged in, so a GRANT names the exact account. */
  accountHost?: string | null
}

/** The hop a connection error code always belongs to; other codes (privileges, query errors) take the caller's hop. */
export const hopOfCode: Record<string, ConnectionHop> = {
  CONN_DNS: 'dns',
  CONN_REFUSED: 'tcp',
  CONN_UNREACHABLE: 'tcp',
  CONN_TIMEOUT: 'tcp',
  CONN_LOST: 'tcp',
  CONN_NOT_MYSQL: 'tcp',
  CONN_NO_GREETING: 'tcp',
  SSH_UNREACHABLE: 'ssh',
  SSH_AUTH: 'ssh',
  SSH_KEY_FILE: 'ssh',
  TLS_HANDSHAKE: 'tls',
  TLS_VERIFY: 'tls',
  CONN_TLS_FILE: 'tls',
  CONN_AUTH: 'auth',
  CONN_BINLOG: 'binlog',
  CONN_ABORTED: 'tcp',
}

interface RawError {
  code?: string
  errno?: number
  message: string
  level?: string
  sqlMessage?: string
}

function asRaw(error: unknown): RawError {
  if (error instanceof Error) return error as Error & RawError
  if (typeof error === 'object' && error !== null && 'message' in error) return error as RawError
  return { message: String(error) }
}

function escapeRegExp(text: string): string {
  return text.replace(/[.*+?^${}()|[\]\\]/g, '\\$&')
}

/** Every secret a profile carries; used to scrub any text that leaves the engine. */
export function profileSecrets(profile: ConnectionProfile): string[] {
  return [profile.password, profile.ssh?.password, profile.ssh?.passphrase].filter(
    (secret): secret is string => typeof secret === 'string' && secret !== '',
  )
}

/** Replaces each secret with ***. Very short secrets only as whole words, so "a" does not shred a sentence. */
export function redactSecrets(text: string, secrets: string[]): string {
  let result = text
  for (const secret of [...secrets].sort((a, b) => b.length - a.length)) {
    const pattern =
      secret.length < 4
        ? new RegExp(`(?<![\\w])${escapeRegExp(secret)}(?![\\w])`, 'g')
        : new RegExp(escapeRegExp(secret), 'g')
    result = result.replace(pattern, '***')
  }
  return result
}

function endpoint(profile: ConnectionProfile): string {
  return `${profile.host}:${profile.port}`
}

function account(profile: ConnectionProfile): string {
  return `'${profile.user}'`
}

function bastion(profile: ConnectionProfile): string {
  return profile.ssh ? `${profile.ssh.user}@${profile.ssh.host}:${profile.ssh.port}` : ''
}

function sideLabel(side: ConnectionErrorContext['side']): string {
  return side ? `The ${side} ` : 'The '
}

/** Node's and OpenSSL's certificate verification codes, with what each means for the user. */
const tlsVerifyReasons: [RegExp, string, string][] = [
  [
    /UNABLE_TO_VERIFY_LEAF_SIGNATURE|unable to verify the first certificate/i,
    'UNABLE_TO_VERIFY_LEAF_SIGNATURE',
    'the server certificate is not signed by the configured CA',
  ],
  [
    /SELF_SIGNED_CERT_IN_CHAIN|self[- ]signed certificate in certificate chain/i,
    'SELF_SIGNED_CERT_IN_CHAIN',
    'the server sent a chain ending in a CA that is not the configured one',
  ],
  [
    /DEPTH_ZERO_SELF_SIGNED_CERT|self[- ]signed certificate$/i,
    'DEPTH_ZERO_SELF_SIGNED_CERT',
    'the server certificate is self-signed',
  ],
  [
    /UNABLE_TO_GET_ISSUER_CERT|unable to get (local )?issuer certificate/i,
    'UNABLE_TO_GET_ISSUER_CERT_LOCALLY',
    'the CA that issued the server certificate is not the configured one',
  ],
  [
    /ERR_TLS_CERT_ALTNAME_INVALID|does not match certificate's altnames|Hostname\/IP does not match/i,
    'ERR_TLS_CERT_ALTNAME_INVALID',
    'the server certificate is for another host name',
  ],
  [/CERT_HAS_EXPIRED|certificate has expired/i, 'CERT_HAS_EXPIRED', 'the server certificate has expired'],
  [
    /CERT_NOT_YET_VALID|certificate is not yet valid/i,
    'CERT_NOT_YET_VALID',
    "the server certificate is not valid yet (check this machine's clock)",
  ],
  [/CERT_REVOKED|certificate revoked/i, 'CERT_REVOKED', 'the server certificate has been revoked'],
]

function tlsVerifyReason(raw: RawError): [string, string] | null {
  const text = `${raw.code ?? ''} ${raw.message}`
  for (const [pattern, code, meaning] of tlsVerifyReasons) if (pattern.test(text)) return [code, meaning]
  return null
}

/** The privilege a 1227 message asks for, preferring the narrow one over SUPER. */
function neededPrivilege(message: string): string | null {
  const list = /need \(at least one of\) the (.+?) privilege/i.exec(message)?.[1]
  if (!list) return null
  const privileges = list
    .split(',')
    .map((p) => p.trim())
    .filter((p) => p !== '')
  return privileges.find((p) => p.toUpperCase() !== 'SUPER') ?? privileges[0] ?? null
}

function grantFor(privilege: string, profile: ConnectionProfile, accountHost: string | null | undefined): string {
  const grant = `GRANT ${privilege} ON *.* TO ${account(profile)}@'${accountHost ?? '%'}';`
  return accountHost ? grant : `${grant} (replace '%' with the account's host)`
}

export function classifyConnectionError(error: unknown, context: ConnectionErrorContext): CutoverError {
  if (error instanceof CutoverError) return error
  const classified = classify(asRaw(error), context)
  const secrets = profileSecrets(context.profile)
  const surfaces = classified.surfaces
    ? Object.fromEntries(Object.entries(classified.surfaces).map(([k, v]) => [k, redactSecrets(v, secrets)]))
    : undefined
  return new CutoverError({
    ...classified,
    message: redactSecrets(classified.message, secrets),
    workaround: redactSecrets(classified.workaround, secrets),
    ...(surfaces ? { surfaces } : {}),
  })
}

interface Classified {
  code: string
  message: string
  workaround: string
  surfaces?: Partial<Record<Surface, string>>
  retryable: boolean
}

/** Everything a binlog reader's account needs, in the server's own privilege names. */
export function binlogGrantList(server: ServerInfo | null | undefined): string {
  // MariaDB 10.5 split REPLICATION CLIENT; SHOW BINARY LOGS now needs BINLOG MONITOR (pain point 12).
  if (server?.flavor === 'mariadb' && compareVersions(server.version, '10.5.2') >= 0)
    return 'REPLICATION SLAVE, BINLOG MONITOR, SELECT'
  return 'REPLICATION SLAVE, REPLICATION CLIENT, SELECT'
}

/** Where a password that was not sent is given, on each surface. */
function noPasswordFix(side: ConnectionErrorContext['side']): Record<Surface, string> {
  const variable = side === 'target' ? 'CUTOVER_TARGET_PASSWORD' : 'CUTOVER_SOURCE_PASSWORD'
  return {
    app: 'No password was sent: enter it in the Password field.',
    cli: `No password was sent: set ${variable}, write password: under ${side ?? 'the connection'} in the job file, or run on a terminal to be asked.`,
  }
}

function withRest(first: Record<Surface, string>, rest: string[]): Record<Surface, string> {
  return { app: [first.app, ...rest].join(' '), cli: [first.cli, ...rest].join(' ') }
}

/** Socket errors that mean no network path to the host (not a server's answer): the kernel's own verdicts. */
const unreachableCodes = new Set(['EHOSTUNREACH', 'ENETUNREACH', 'EHOSTDOWN', 'ENETDOWN'])

function classify(raw: RawError, { hop, profile, side, server, accountHost }: ConnectionErrorContext): Classified {
  const code = raw.code ?? ''
  const errno = raw.errno
  const detail = (raw.sqlMessage ?? raw.message).trim()
  const who = sideLabel(side)
  const tunnelled = profile.ssh !== null

  if (code === 'ABORT_ERR' || raw.message === 'aborted' || code === 'CONN_ABORTED') {
    return {
      code: 'CONN_ABORTED',
      message: `${who}connection attempt was cancelled.`,
      workaround: 'Run the test again.',
      retryable: true,
    }
  }

  if (hop === 'ssh') {
    if (raw.level === 'client-authentication' || /authentication methods failed/i.test(raw.message)) {
      return {
        code: 'SSH_AUTH',
        message: `${who}SSH bastion ${bastion(profile)} refused the login: ${detail}.`,
        workaround: profile.ssh?.privateKey
          ? `Check that the public half of ${profile.ssh.privateKey} is in ~${profile.ssh.user}/.ssh/authorized_keys on the bastion and that the user name is right.`
          : 'Check the SSH user and password, or use a private key if the bastion disallows passwords.',
        retryable: false,
      }
    }
    if (/privateKey|passphrase|Encrypted private|Unsupported key format|parse/i.test(raw.message)) {
      return {
        code: 'SSH_KEY_FILE',
        message: `${who}SSH private key ${profile.ssh?.privateKey ?? ''} cannot be used: ${detail}.`,
        workaround: /passphrase|Encrypted/i.test(raw.message)
          ? 'The key is encrypted: enter its passphrase.'
          : 'Use an OpenSSH or PEM private key file (not the .pub file, not a PuTTY .ppk).',
        retryable: false,
      }
    }
    const reason =
      code === 'ENOTFOUND' || code === 'EAI_AGAIN'
        ? `the host name ${profile.ssh?.host} does not resolve`
        : code === 'ECONNREFUSED'
          ? 'nothing accepts SSH connections on that port'
          : unreachableCodes.has(code)
            ? `this machine has no route to it (${code})`
            : /timed out|ETIMEDOUT/i.test(raw.message) || code === 'ETIMEDOUT'
              ? 'it did not answer in time'
              : detail
    return {
      code: 'SSH_UNREACHABLE',
      message: `${who}SSH bastion ${bastion(profile)} cannot be reached: ${reason}.`,
      workaround:
        'Check the bastion host and port (usually 22), that it is running, and that a firewall or VPN lets this machine reach it.',
      retryable: true,
    }
  }

  if (code === 'ENOTFOUND' || code === 'EAI_AGAIN' || code === 'EAI_NONAME') {
    return {
      code: 'CONN_DNS',
      message: `${who}host name ${profile.host} does not resolve (${code}).`,
      workaround: `Check the spelling of "${profile.host}"; for a private host name, connect the VPN or use an SSH tunnel through a machine that can resolve it.`,
      retryable: code === 'EAI_AGAIN',
    }
  }
  // getaddrinfo refuses a name no DNS can hold (a label over 63 characters, a name over 253) before any lookup.
  if (code === 'EINVAL' && /getaddrinfo/i.test(raw.message)) {
    const host = profile.host
    return {
      code: 'CONN_DNS',
      message: `${who}host name "${host.length > 80 ? `${host.slice(0, 77)}…` : host}" is not a valid host name: ${hostNameProblem(host) ?? 'the resolver refused it (EINVAL)'}.`,
      workaround: 'Correct the host name: a name of dot-separated labels, each at most 63 characters, 253 in all.',
      retryable: false,
    }
  }
  // What an SSH bastion reports when it cannot open the forwarded channel to the database.
  if (/Channel open failure|open failed/i.test(raw.message)) {
    const refused = /refused/i.test(raw.message)
    return {
      code: refused ? 'CONN_REFUSED' : 'CONN_TIMEOUT',
      message: `The SSH bastion ${bastion(profile)} could not reach ${endpoint(profile)}: ${detail}.`,
      workaround: refused
        ? `Check the database host and port as the bastion sees them (e.g. the private address) and that the database listens on ${profile.port}.`
        : 'Check that the bastion can reach the database: its security group / firewall must allow the bastion to connect to the database port.',
      retryable: true,
    }
  }
  if (unreachableCodes.has(code)) {
    return {
      code: 'CONN_UNREACHABLE',
      message: `${who}host ${profile.host}${tunnelled ? ' (via the SSH tunnel)' : ''} cannot be reached: this machine has no route to it (${code}${errno ? `, ${errno}` : ''}).`,
      workaround:
        'Check the host address; a private address needs the VPN connected or an SSH tunnel through a machine on its network, and a firewall may be rejecting the route.',
      retryable: true,
    }
  }
  if (code === 'ECONNREFUSED') {
    return {
      code: 'CONN_REFUSED',
      message: `Nothing accepts connections at ${endpoint(profile)}${tunnelled ? ' (via the SSH tunnel)' : ''}: connection refused.`,
      workaround: `Check the port (MySQL usually 3306, TiDB 4000) and that the database is running and listening on ${profile.host}, not only on its own localhost.`,
      retryable: true,
    }
  }
  if (
    code === 'ETIMEDOUT' ||
    (/connect ETIMEDOUT|timed? ?out/i.test(raw.message) && hop !== 'query' && hop !== 'binlog')
  ) {
    return {
      code: 'CONN_TIMEOUT',
      message: `${who}server at ${endpoint(profile)} did not answer within ${profile.connectTimeoutMs / 1000} s.`,
      workaround:
        "A firewall, security group, VPN or IP allow-list is probably dropping the connection: allow this machine's public IP, connect the VPN, or use an SSH tunnel.",
      retryable: true,
    }
  }
  if (code === 'HANDSHAKE_NO_SSL_SUPPORT') {
    return {
      code: 'TLS_HANDSHAKE',
      message: `${who}server at ${endpoint(profile)} does not offer TLS, but the connection requires it (mode ${profile.tls.mode}).`,
      workaround:
        'Enable TLS on the server (ssl_cert / ssl_key / ssl_ca), or set the TLS mode to "preferred" or "off" if the network path is trusted.',
      retryable: false,
    }
  }
  const verify = tlsVerifyReason(raw)
  if (verify && (hop === 'tls' || code === 'HANDSHAKE_SSL_ERROR' || hop === 'tcp' || hop === 'auth')) {
    const [verifyCode, meaning] = verify
    return {
      code: 'TLS_VERIFY',
      message: `${who}server certificate at ${endpoint(profile)} failed verification (${verifyCode}): ${meaning}.`,
      workaround:
        verifyCode === 'ERR_TLS_CERT_ALTNAME_INVALID'
          ? `Connect with the host name the certificate was issued for, or use TLS mode "verify-ca" (checks the CA, not the name). Detail: ${detail}`
          : verifyCode === 'CERT_HAS_EXPIRED'
            ? 'The server\'s certificate must be renewed by its administrator; "required" mode would connect without checking it.'
            : profile.tls.ca
              ? `Check that ${profile.tls.ca} is the CA that signed the server's certificate (your provider's CA download).`
              : 'Set the CA certificate file your provider publishes; without one only the public root CAs are trusted.',
      retryable: false,
    }
  }
  if (code === 'HANDSHAKE_SSL_ERROR' || hop === 'tls' || /SSL|TLS|EPROTO|wrong version number/i.test(code)) {
    return {
      code: 'TLS_HANDSHAKE',
      message: `The TLS handshake with ${endpoint(profile)} failed: ${detail}.`,
      workaround:
        'Check that the server supports TLS 1.2 or newer and that the client certificate is one the server accepts.',
      retryable: false,
    }
  }

  const plugin =
    /unknown plugin (\S+)|plugin '?([\w]+)'? (?:is not loaded|not supported)|authentication method (\S+)/i.exec(
      raw.message,
    )
  if (
    code === 'AUTH_SWITCH_PLUGIN_ERROR' ||
    code === 'ER_NOT_SUPPORTED_AUTH_MODE' ||
    errno === 1251 ||
    (plugin && hop === 'auth')
  ) {
    const name = (plugin?.[1] ?? plugin?.[2] ?? plugin?.[3] ?? 'unknown').replace(/[.,]$/, '')
    return {
      code: 'CONN_AUTH',
      message: `${who}account ${account(profile)} uses the authentication plugin ${name}, which Cutover's client cannot speak.`,
      workaround:
        `Switch the account to a supported plugin, on MariaDB: ALTER USER ${account(profile)}@'%' IDENTIFIED VIA mysql_native_password USING PASSWORD('…'); ` +
        `on MySQL: ALTER USER ${account(profile)}@'%' IDENTIFIED WITH caching_sha2_password BY '…'; (replace '%' with the account's host).`,
      retryable: false,
    }
  }
  if (
    errno === 1045 ||
    errno === 1698 ||
    code === 'ER_ACCESS_DENIED_ERROR' ||
    code === 'ER_ACCESS_DENIED_NO_PASSWORD_ERROR'
  ) {
    const noPassword = /using password: NO/i.test(detail) || errno === 1698
    const plainTransport = profile.tls.mode === 'off'
    // A REQUIRE X509 / SUBJECT / ISSUER account without a client certificate gets the same "Access denied" as a
    // wrong password (MariaDB and MySQL alike), so over TLS without a certificate that cause comes first.
    const noClientCertificate = !plainTransport && !profile.tls.cert
    const rest = [
      "The account must exist for the host this machine connects from (e.g. 'user'@'%'), not only 'user'@'localhost'.",
      plainTransport
        ? 'If the account was created with REQUIRE SSL, set the TLS mode to "required" or stronger (REQUIRE X509 also needs a client certificate).'
        : '',
    ].filter((line) => line !== '')
    const first = noPassword
      ? "No password was sent: give the account's password."
      : noClientCertificate
        ? `No client certificate was sent: if ${account(profile)} was created with REQUIRE X509 (or SUBJECT / ISSUER), the server refuses it without one, with this same message; set the client certificate and key files. Otherwise check the user name and password.`
        : 'Check the user name and password.'
    // Where a missing password goes differs by surface (a form field, a job file or the environment).
    return {
      code: 'CONN_AUTH',
      message: `${who}server at ${endpoint(profile)} refused the login for ${account(profile)}: ${detail}.`,
      workaround: [first, ...rest].join(' '),
      ...(noPassword ? { surfaces: withRest(noPasswordFix(side), rest) } : {}),
      retryable: false,
    }
  }
  if (errno === 3159 || code === 'ER_SECURE_TRANSPORT_REQUIRED') {
    return {
      code: 'CONN_AUTH',
      message: `${who}server at ${endpoint(profile)} only accepts TLS connections (require_secure_transport).`,
      workaround: 'Set the TLS mode to "required" or stronger.',
      retryable: false,
    }
  }
  if (errno === 1227 || errno === 1044 || errno === 1142 || errno === 1143) {
    const privilege = neededPrivilege(detail)
    const binlog = hop === 'binlog'
    return {
      code: 'CONN_PRIVILEGE',
      message: `${who}account ${account(profile)} lacks a privilege${binlog ? ' for reading the binlog' : ''}: ${detail}.`,
      workaround: [
        privilege ? `Run on the server as an administrator: ${grantFor(privilege, profile, accountHost)}` : '',
        binlog
          ? `${privilege ? 'Incremental replication needs, in all: ' : 'Grant the binlog privileges: '}${grantFor(binlogGrantList(server), profile, accountHost)}`
          : privilege
            ? ''
            : 'Grant the account the privilege named in the message.',
      ]
        .filter((line) => line !== '')
        .join(' '),
      retryable: false,
    }
  }
  if (code === 'PROTOCOL_SEQUENCE_TIMEOUT') {
    return {
      code: 'CONN_QUERY_TIMEOUT',
      message: `A query on the ${side ?? ''} server ${endpoint(profile)} ran longer than ${profile.queryTimeoutMs / 1000} s.`,
      workaround: 'Raise the query timeout for this connection, or check the server for locks and load.',
      retryable: true,
    }
  }
  if (code === 'PROTOCOL_CONNECTION_LOST' || code === 'ECONNRESET' || code === 'EPIPE') {
    return {
      code: 'CONN_LOST',
      message: `The connection to ${endpoint(profile)} was closed during ${hop === 'tcp' ? 'the handshake' : `the ${hop} step`}${tunnelled ? ' (via the SSH tunnel)' : ''}.`,
      workaround: tunnelled
        ? 'Check that the bastion can reach the database host and port given in the connection (as the bastion sees them).'
        : 'Check that the port belongs to a MySQL-compatible server and that no proxy closes the connection; max_connections may also be exhausted.',
      retryable: true,
    }
  }
  if (hop === 'binlog') {
    return {
      code: 'CONN_BINLOG',
      message: `Reading the binlog of ${endpoint(profile)} failed: ${detail}.`,
      workaround:
        'Check that the binlog is enabled (log_bin=ON, binlog_format=ROW) and that the account has REPLICATION SLAVE and REPLICATION CLIENT (MariaDB: BINLOG MONITOR).',
      retryable: false,
    }
  }
  return {
    code: 'CONN_QUERY',
    message: `${who}server at ${endpoint(profile)} answered with an error${errno ? ` ${errno}` : ''}: ${detail}.`,
    workaround: 'See the server message; if it persists, check the server log.',
    retryable: false,
  }
}
