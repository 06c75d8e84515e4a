/**
 * Seals passwords and key passphrases at rest. The Electron host provides one backed by `safeStorage`;
 * hosts without OS-backed encryption (CLI, browser bridge) use `memoryOnlySecrets`: nothing is written.
 */
export interface SecretBox {
  readonly atRest: boolean
  /** Shown to the user where secrets cannot be kept (e.g. "passwords are kept in memory until exit"). */
  readonly note: string
  seal(plain: string): Buffer
  open(sealed: Buffer): string
}

export const memoryOnlySecrets: SecretBox = {
  atRest: false,
  note: 'This host cannot encrypt passwords at rest, so they are kept in memory only and asked for again after a restart.',
  seal() {
    throw new Error('memoryOnlySecrets cannot seal; the engine must keep the secret in memory instead')
  },
  open() {
    throw new Error('memoryOnlySecrets holds no sealed secrets')
  },
}
