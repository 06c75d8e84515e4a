/** A source write workload for replication tests: small transactions as fast as the source takes them. */
import type { Connection } from 'mysql2/promise'

/** One statement (or a few) of a transaction, given a key drawn for it, the workload's random source and the count. */
export type Operation = (step: { id: number; rand: (n: number) => number; transaction: number }) => Promise<unknown>

/**
 * Runs transactions of 4 operations until `until()` says stop; each operation draws a key below `keys`, then one of
 * `operations`, from a linear congruential generator seeded with `seed` (the same run each time). Returns how many
 * transactions committed.
 */
export async function writeTransactions(
  c: Connection,
  until: () => boolean,
  options: { keys: number; operations: Operation[]; seed: number },
): Promise<number> {
  let x = options.seed
  const rand = (n: number) => {
    x = (x * 1103515245 + 12345) % 2147483648
    return x % n
  }
  let transaction = 0
  while (!until()) {
    await c.query('START TRANSACTION')
    for (let k = 0; k < 4; k++) {
      const id = rand(options.keys)
      await options.operations[rand(options.operations.length)]!({ id, rand, transaction })
    }
    await c.query('COMMIT')
    transaction++
  }
  return transaction
}
