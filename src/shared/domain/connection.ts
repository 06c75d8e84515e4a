import { z } from 'zod'

export const tlsModes = ['off', 'preferred', 'required', 'verify-ca', 'verify-identity'] as const
export type TlsMode = (typeof tlsModes)[number]

/** Certificate fields are file paths on the user's machine; their contents never leave main. */
export const tlsSchema = z
  .object({
    mode: z.enum(tlsModes).default('off'),
    ca: z.string().min(1).nullable().optional(),
    cert: z.string().min(1).nullable().optional(),
    key: z.string().min(1).nullable().optional(),
  })
  .strict()

/**
 * Why no resolver will accept `host`, or null: getaddrinfo answers EINVAL for a label over 63 characters or a
 * name over 253 (RFC 1035), which would otherwise surface as an unexplained connection error. IPv6 literals
 * (with ':') have no labels.
 */
export function hostNameProblem(host: string): string | null {
  if (host.includes(':')) return null
  const name = host.endsWith('.') ? host.slice(0, -1) : host
  const labels = name.split('.')
  const long = labels.findIndex((label) => label.length > 63)
  if (long >= 0) {
    return `a DNS label is at most 63 characters; label ${long + 1} of this host name has ${labels[long]!.length}`
  }
  if (name.length > 253) return `a host name is at most 253 characters; this one has ${name.length}`
  return null
}

const hostSchema = (required: string) =>
  z
    .string()
    .min(1, required)
    .superRefine((host, ctx) => {
      const problem = hostNameProblem(host)
      if (problem) ctx.addIssue({ code: 'custom', message: problem })
    })

export const sshSchema = z
  .object({
    host: hostSchema('the SSH host is required'),
    port: z.number().int().min(1).max(65535).default(22),
    user: z.string().min(1),
    password: z.string().optional(),
    privateKey: z.string().min(1).optional(),
    passphrase: z.string().optional(),
  })
  .strict()

export const connectionSchema = z
  .object({
    host: hostSchema('host is required'),
    port: z.number().int().min(1).max(65535).default(3306),
    user: z.string().min(1, 'user is required'),
    /** Only present on the way in (wizard entry, job file); never sent back to the renderer. */
    password: z.string().optional(),
    tls: tlsSchema.default({ mode: 'off' }),
    ssh: sshSchema.nullable().default(null),
    connectTimeoutMs: z.number().int().min(100).max(600_000).default(10_000),
    queryTimeoutMs: z.number().int().min(100).max(86_400_000).default(60_000),
  })
  .strict()

export type ConnectionProfile = z.infer<typeof connectionSchema>
export type ConnectionProfileInput = z.input<typeof connectionSchema>

/** What the renderer may see of a stored connection: everything but secrets, plus whether one is stored. */
export type PublicConnectionProfile = Omit<ConnectionProfile, 'password' | 'ssh'> & {
  hasPassword: boolean
  ssh: (Omit<NonNullable<ConnectionProfile['ssh']>, 'password' | 'passphrase'> & { hasPassword: boolean }) | null
}

/** `hasSecret` tells which secrets are held for this profile (sealed in the store or in memory). */
export function toPublicProfile(
  profile: ConnectionProfile,
  hasSecret: (field: 'password' | 'ssh.password' | 'ssh.passphrase') => boolean,
): PublicConnectionProfile {
  const { password, ssh, ...rest } = profile
  const given = (value: string | undefined) => value !== undefined && value !== ''
  return {
    ...rest,
    hasPassword: hasSecret('password') || given(password),
    ssh: ssh
      ? {
          host: ssh.host,
          port: ssh.port,
          user: ssh.user,
          privateKey: ssh.privateKey,
          hasPassword:
            hasSecret('ssh.password') || hasSecret('ssh.passphrase') || given(ssh.password) || given(ssh.passphrase),
        }
      : null,
  }
}
