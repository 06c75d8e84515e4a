import { safeStorage } from 'electron'
import type { SecretBox } from '../engine/secretBox'
import { memoryOnlySecrets } from '../engine/secretBox'

/** Passwords sealed with the OS keychain (Keychain, DPAPI, libsecret/kwallet) through Electron's safeStorage. */
export function createSafeStorageSecrets(): SecretBox {
  if (!safeStorage.isEncryptionAvailable()) return memoryOnlySecrets
  // On Linux without a keyring Electron falls back to a hard-coded key: that is not encryption.
  if (process.platform === 'linux' && safeStorage.getSelectedStorageBackend() === 'basic_text') return memoryOnlySecrets
  return {
    atRest: true,
    note: 'Passwords are encrypted with the operating system keychain.',
    seal: (plain) => safeStorage.encryptString(plain),
    open: (sealed) => safeStorage.decryptString(sealed),
  }
}
