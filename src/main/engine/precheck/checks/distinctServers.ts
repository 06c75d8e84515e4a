import { failed, pass, type PrecheckCheck, type SideQuery } from '../check'
import type { ServerFacts } from '../precheckFacts'

/** The identity a server reports about itself, whatever address or tunnel reached it. */
interface ServerIdentity {
  serverUuid: string | null
  hostname: string | null
  port: string | null
  datadir: string | null
  /** TiDB: every tidb-server of one cluster shares it. */
  clusterId: string | null
}

async function readClusterId(facts: ServerFacts, query: SideQuery): Promise<string | null> {
  if (facts.info.flavor !== 'tidb') return null
  try {
    const [row] = await query<{ v: unknown }>(
      "SELECT VARIABLE_VALUE AS v FROM mysql.tidb WHERE VARIABLE_NAME = 'cluster_id'",
    )
    return row?.v === undefined || row.v === null || String(row.v) === '' ? null : String(row.v)
  } catch {
    // Older TiDB keeps no cluster id there, or the account cannot read mysql.tidb: the other identities decide.
    return null
  }
}

function identityOf(facts: ServerFacts, clusterId: string | null): ServerIdentity {
  const value = (name: string) => {
    const v = facts.variables.get(name)
    return v === undefined || v === '' ? null : v
  }
  const uuid = value('server_uuid')
  // TiDB reports an all-zero server_uuid: the same for every cluster, so no identity.
  return {
    serverUuid: uuid !== null && /^[0-]+$/.test(uuid) ? null : uuid,
    hostname: value('hostname'),
    port: value('port'),
    datadir: value('datadir'),
    clusterId,
  }
}

/**
 * Why source and target are the same server, or null when they differ (or cannot be told apart from what they
 * report). A server UUID decides when both have one; else hostname, port and data directory together.
 */
export function sameServerEvidence(source: ServerIdentity, target: ServerIdentity): string | null {
  if (source.clusterId !== null && source.clusterId === target.clusterId)
    return `both are TiDB cluster ${source.clusterId}`
  if (source.serverUuid !== null && target.serverUuid !== null) {
    return source.serverUuid === target.serverUuid ? `both report server_uuid ${source.serverUuid}` : null
  }
  if (source.hostname === null || source.port === null) return null
  if (source.hostname !== target.hostname || source.port !== target.port) return null
  if (source.datadir !== null && target.datadir !== null && source.datadir !== target.datadir) return null
  return `both report hostname ${source.hostname}, port ${source.port}${source.datadir !== null && target.datadir !== null ? ` and datadir ${source.datadir}` : ''}`
}

/** A target that is the source replays the job's own writes into its binlog, and copies tables onto themselves. */
export const distinctServersCheck: PrecheckCheck = {
  id: 'source_target_distinct',
  title: 'Source and target are different servers',
  appliesTo: () => true,
  async run(facts, ctx) {
    const [sourceCluster, targetCluster] = await Promise.all([
      readClusterId(facts.source, ctx.source),
      readClusterId(facts.target, ctx.target),
    ])
    const source = identityOf(facts.source, sourceCluster)
    const target = identityOf(facts.target, targetCluster)
    // A MariaDB and a TiDB (or a MySQL) are never one server, whatever names they report.
    const evidence = facts.source.info.flavor === facts.target.info.flavor ? sameServerEvidence(source, target) : null
    if (evidence === null) {
      return pass(`Source ${facts.source.endpoint} and target ${facts.target.endpoint} are different servers.`)
    }
    return failed(
      `Source ${facts.source.endpoint} and target ${facts.target.endpoint} are the same server (${evidence}): the job would copy every table onto itself and replicate its own writes back in an endless loop.`,
      'Point target (host, port, or the SSH tunnel) at the TiDB cluster you migrate into, not at the source.',
    )
  },
}
