/**
 * Errors of the job store file (SQLite and the file system under it) named with the file, the cause and the fix:
 * STORE_DISK_FULL, STORE_NOT_WRITABLE, STORE_UNREADABLE (a directory, a damaged file, a file that is not a Cutover
 * store) and STORE_TOO_NEW. Anything else passes through unchanged.
 */
import { statSync } from 'node:fs'
import { dirname, join } from 'node:path'
import { CutoverError } from '../../shared/domain/errors'

const storeOption = '--store (or CUTOVER_STORE)'

/** A database file that is not a Cutover store: refused before anything is written to it. */
export function notACutoverStore(path: string, cause: string): CutoverError {
  return new CutoverError({
    code: 'STORE_UNREADABLE',
    message: `${path} is not a Cutover job store: ${cause}. It was left unchanged.`,
    workaround: `Check the path given with ${storeOption}; to start a new store, give a path where no file exists yet.`,
  })
}

export function storeTooNew(path: string, version: number, known: number): CutoverError {
  return new CutoverError({
    code: 'STORE_TOO_NEW',
    message: `The job store ${path} was written by a newer Cutover (store schema ${version}; this build knows up to ${known}).`,
    workaround:
      'Upgrade Cutover to the version that wrote this store, or use another store with --store (or CUTOVER_STORE).',
  })
}

function isDirectory(path: string): boolean {
  try {
    return statSync(path).isDirectory()
  } catch {
    return false
  }
}

/** The CutoverError for a failure of the store at `path`, or `error` itself when it is not one the store names. */
export function storeError(path: string, error: unknown): unknown {
  if (error instanceof CutoverError) return error
  const code = String((error as { code?: unknown }).code ?? '')
  const text = error instanceof Error ? error.message : String(error)
  const folder = dirname(path)
  if (code === 'SQLITE_FULL' || code === 'ENOSPC') {
    return new CutoverError({
      code: 'STORE_DISK_FULL',
      message: `The job store ${path} cannot be written: the disk it is on is full (${text}).`,
      workaround: `Free space on the disk that holds ${folder}, or move the store to a disk with room (${storeOption}); then run again: checkpoints written before are kept.`,
    })
  }
  if (isDirectory(path)) {
    return new CutoverError({
      code: 'STORE_UNREADABLE',
      message: `The job store path ${path} is a directory, not a file.`,
      workaround: `Give ${storeOption} a file path, e.g. ${join(path, 'cutover.db')}.`,
    })
  }
  if (code === 'SQLITE_NOTADB') return notACutoverStore(path, 'the file is not an SQLite database')
  if (code.startsWith('SQLITE_CORRUPT')) {
    return new CutoverError({
      code: 'STORE_UNREADABLE',
      message: `The job store ${path} is damaged and cannot be read (${text}).`,
      workaround: `Restore the file from a backup, or move it aside and run again to start a new store (the jobs' progress in it is lost; data already on the target is not). \`sqlite3 ${path} .recover\` can salvage what is readable.`,
    })
  }
  if (
    code.startsWith('SQLITE_READONLY') ||
    code.startsWith('SQLITE_CANTOPEN') ||
    code === 'SQLITE_PERM' ||
    ['EACCES', 'EPERM', 'EROFS'].includes(code)
  ) {
    return new CutoverError({
      code: 'STORE_NOT_WRITABLE',
      message: `The job store ${path} cannot be opened for writing: the file or its folder is read-only (a read-only disk, permissions or an immutable flag) (${text}).`,
      workaround: `Make ${folder} and the file writable for this user (SQLite also writes ${path}-wal and ${path}-shm beside it), or give ${storeOption} a writable path.`,
    })
  }
  if (code === 'ENOTDIR') {
    return new CutoverError({
      code: 'STORE_NOT_WRITABLE',
      message: `The job store ${path} cannot be created: a part of its folder path is a file, not a folder (${text}).`,
      workaround: `Give ${storeOption} a path whose folders are folders.`,
    })
  }
  return error
}

/** `fn` with every error it throws named by `storeError`. */
export function withStoreErrors<T, A extends unknown[], R>(
  path: string,
  fn: (this: T, ...args: A) => R,
): (this: T, ...args: A) => R {
  return function (this: T, ...args: A): R {
    try {
      return fn.apply(this, args)
    } catch (error) {
      throw storeError(path, error)
    }
  }
}

/** `target` with every method wrapped by `withStoreErrors` (methods calling each other through `this` included). */
export function withStoreErrorMethods<T extends object>(path: string, target: T): T {
  const wrapped: Record<string, unknown> = {}
  for (const [key, value] of Object.entries(target)) {
    wrapped[key] = typeof value === 'function' ? withStoreErrors(path, value as (...args: unknown[]) => unknown) : value
  }
  return wrapped as T
}
