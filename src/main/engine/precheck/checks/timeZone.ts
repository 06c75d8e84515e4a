import { pass, warning, type PrecheckCheck } from '../check'
import type { ServerFacts } from '../precheckFacts'

const utcNames = new Set(['UTC', '+00:00', '+0:00', 'ETC/UTC', 'GMT', 'ETC/GMT', 'UNIVERSAL', 'ZULU', 'Z', 'COORDINATED UNIVERSAL TIME'])

/** The zone the server uses for NOW() and TIMESTAMP conversion: time_zone, or the OS zone for SYSTEM. */
export function effectiveZone(server: Pick<ServerFacts, 'variables'>): string {
  const zone = server.variables.get('time_zone') ?? 'SYSTEM'
  const actual = zone.toUpperCase() === 'SYSTEM' ? (server.variables.get('system_time_zone') ?? 'SYSTEM') : zone
  return utcNames.has(actual.toUpperCase()) ? 'UTC' : actual
}

export const timeZoneCheck: PrecheckCheck = {
  id: 'time_zone',
  title: 'Source and target time zones',
  appliesTo: () => true,
  async run(facts) {
    const source = effectiveZone(facts.source)
    const target = effectiveZone(facts.target)
    if (source === target) return pass(`Both servers use ${source}.`)
    return warning(
      `The source uses ${source} and the target ${target}. TIMESTAMP values are migrated in UTC and stay correct, but ` +
        'DATETIME values are copied as written, and NOW(), CURRENT_TIMESTAMP defaults and application-side conversions will differ after cutover.',
      `SET GLOBAL time_zone = '${source === 'UTC' ? '+00:00' : source}';  -- on the target, so that it matches the source\n(MySQL/MariaDB targets need the time zone tables loaded for named zones; TiDB accepts names as they are.)`,
    )
  },
}
