/**
 * Starts the two servers every real-database suite shares: a binlog-enabled source and a plain target.
 * Runs once in vitest's main process; workers reach the servers through `inject` (see servers.ts).
 */
import type { TestProject } from 'vitest/node'
import { removeStaleDataDirs, startMariaDb, type MariaDbConnectionOptions, type MariaDbServer } from './mariadb'

declare module 'vitest' {
  export interface ProvidedContext {
    mariadbSource: MariaDbConnectionOptions
    mariadbTarget: MariaDbConnectionOptions
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
  ])
  const servers = started.flatMap((result) => (result.status === 'fulfilled' ? [result.value] : []))
  const failure = started.find((result) => result.status === 'rejected')
  if (failure !== undefined) {
    // Vitest skips the teardown when setup throws, so stop the half that did start.
    await Promise.all(servers.map((server) => server.stop()))
    throw failure.reason
  }
  const [source, target] = servers as [MariaDbServer, MariaDbServer]

  project.provide('mariadbSource', source.connectionOptions())
  project.provide('mariadbTarget', target.connectionOptions())

  return async () => {
    await Promise.all([source.stop(), target.stop()])
  }
}
