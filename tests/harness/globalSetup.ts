/**
 * Starts the servers every real-database suite shares: a binlog-enabled MariaDB source, a TiDB target (the product's
 * target) and a MariaDB target (the supported MariaDB-target case). Runs once in vitest's main process; workers reach
 * the servers through `inject` (see servers.ts).
 */
import type { TestProject } from 'vitest/node'
import { removeStaleDataDirs, startMariaDb, type MariaDbConnectionOptions } from './mariadb'
import { startTidb } from './tidb'

declare module 'vitest' {
  export interface ProvidedContext {
    mariadbSource: MariaDbConnectionOptions
    mariadbTarget: MariaDbConnectionOptions
    tidbTarget: MariaDbConnectionOptions
    tidbVersion: string
  }
}

export default async function setup(project: TestProject): Promise<() => Promise<void>> {
  // A SIGKILLed run cannot clean up after itself; each leftover data dir is ~150 MB.
  await removeStaleDataDirs()
  const started = await Promise.allSettled([
    startMariaDb({
      name: 'source',
      serverId: 1,
      // FULL row metadata gives CDC column names and signedness; suites that need NO_LOG start their own server.
      binlog: { format: 'ROW', rowImage: 'FULL', rowMetadata: 'FULL' },
    }),
    startMariaDb({ name: 'target', serverId: 2, binlog: null }),
    startTidb({ name: 'tidb-target' }),
  ])
  const servers = started.flatMap((result) => (result.status === 'fulfilled' ? [result.value] : []))
  const failure = started.find((result) => result.status === 'rejected')
  if (failure !== undefined) {
    // Vitest skips the teardown when setup throws, so stop the part that did start.
    await Promise.all(servers.map((server) => server.stop()))
    throw failure.reason
  }
  const value = <T>(result: PromiseSettledResult<T>): T => (result as PromiseFulfilledResult<T>).value
  const [source, target, tidb] = [value(started[0]), value(started[1]), value(started[2])]

  project.provide('mariadbSource', source.connectionOptions())
  project.provide('mariadbTarget', target.connectionOptions())
  project.provide('tidbTarget', tidb.connectionOptions())
  project.provide('tidbVersion', tidb.version)

  return async () => {
    await Promise.all([source.stop(), target.stop(), tidb.stop()])
  }
}
