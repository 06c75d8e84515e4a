import { compareVersions, describeServer, unsupportedVersionReason } from '../../connect/serverInfo'
import { failed, pass, warning, type PrecheckCheck } from '../check'

/** DM's supported range for MySQL sources is [5.6, 8.5); Cutover's own suites run against MariaDB 10.11. */
export const versionCheck: PrecheckCheck = {
  id: 'version',
  title: 'Source and target versions are supported',
  appliesTo: () => true,
  async run(facts) {
    const source = facts.source.info
    const target = facts.target.info
    const names = `Source: ${describeServer(source)}. Target: ${describeServer(target)}.`
    const tooOld = unsupportedVersionReason(source)
    if (tooOld) {
      return failed(`${names} ${tooOld}`, 'Upgrade the source, or migrate from a replica that runs MySQL 5.7+ or MariaDB 10.5+.')
    }
    const notes: string[] = []
    if (source.flavor === 'tidb') notes.push('The source is TiDB, which is not a supported source; use TiCDC or BR between TiDB clusters.')
    if (source.flavor === 'mysql' && compareVersions(source.version, '8.5.0') >= 0) {
      notes.push(`MySQL ${source.version} is newer than the tested range (5.6 to 8.4).`)
    }
    if (source.flavor === 'mariadb' && compareVersions(source.version, '10.5.0') < 0) {
      notes.push(`MariaDB ${source.version} predates 10.5: no binlog_row_metadata, so column names come from the live schema.`)
    }
    if (source.flavor === 'mariadb' && compareVersions(source.version, '11.4.0') >= 0) {
      notes.push(`MariaDB ${source.version} is newer than the tested 10.11; keep binlog_legacy_event_pos = ON.`)
    }
    if (target.flavor === 'tidb' && compareVersions(target.version, '6.5.0') < 0) {
      notes.push(`TiDB ${target.version} is older than 6.5: foreign keys are ignored and MySQL 8 collations are missing.`)
    }
    if (notes.length > 0) {
      return warning(`${names} ${notes.join(' ')}`, 'Use a tested version where you can; otherwise run a rehearsal migration and compare the data first.')
    }
    const nonTidb = target.flavor === 'tidb' ? '' : ' The target is not TiDB, so TiDB-specific checks are skipped.'
    return pass(`${names}${nonTidb}`)
  },
}
