/**
 * TiDB refuses a row whose key-value entry is over its txn-entry-size-limit (6 MiB by default) with error 8025,
 * "entry too large, the max entry size is N, the size of data is M". Resuming sends the same row again, so the
 * fix is the limit on the target, which the workaround names with the sizes from the message.
 */
export const entryTooLargeErrno = 8025

/** TiDB's ceiling for txn-entry-size-limit and tidb_txn_entry_size_limit (120 MiB). */
const maxEntrySizeLimit = 125_829_120

export function isEntryTooLarge(error: { errno?: number; message?: string; sqlMessage?: string }): boolean {
  return error.errno === entryTooLargeErrno || /\bentry too large\b/i.test(error.sqlMessage ?? error.message ?? '')
}

export function entryTooLargeWorkaround(text: string): string {
  const sizes = /max entry size is (\d+), the size of data is (\d+)/i.exec(text)
  const limit = sizes ? `${sizes[1]} bytes; this row needs ${sizes[2]}` : '6 MiB by default'
  return (
    `A row is larger than the target TiDB's txn-entry-size-limit (${limit}). Raise the limit above the largest row, ` +
    `at most ${maxEntrySizeLimit} (120 MiB): SET GLOBAL tidb_txn_entry_size_limit = <bytes>; (TiDB v7.6 and later), ` +
    "or txn-entry-size-limit under [performance] in the TiDB configuration file, then restart TiDB. The target's " +
    'max_allowed_packet must exceed the row too. Then resume the job; resuming without raising the limit fails on ' +
    'the same row.'
  )
}
