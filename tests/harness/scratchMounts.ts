/**
 * Scratch folders and tmpfs mounts for the store-error suites: a read-only or a small file system, where this
 * process may mount one (root, outside a container that forbids it). `cleanUp` unmounts and removes everything.
 */
import { execFileSync } from 'node:child_process'
import { mkdirSync, mkdtempSync, rmSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'

export function scratchMounts(prefix: string) {
  const root = mkdtempSync(join(tmpdir(), prefix))
  const mounts: string[] = []
  return {
    root,
    /** A tmpfs at a new folder, or null where this process may not mount. */
    mountTmpfs(options: string): string | null {
      const dir = join(root, `mnt-${mounts.length}`)
      mkdirSync(dir)
      try {
        execFileSync('mount', ['-t', 'tmpfs', '-o', options, 'tmpfs', dir], { stdio: 'ignore' })
      } catch {
        return null
      }
      mounts.push(dir)
      return dir
    },
    cleanUp(): void {
      for (const m of mounts) execFileSync('umount', ['-l', m])
      rmSync(root, { recursive: true, force: true })
    },
  }
}
