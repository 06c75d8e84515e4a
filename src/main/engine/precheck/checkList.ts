/** Every precheck, in report order: source server, binlog, privileges, capacity, schema, target, job. */
import type { PrecheckCheck } from './check'
import { auroraReaderCheck } from './checks/auroraReader'
import { binlogAnnotateRowEventsCheck } from './checks/binlogAnnotateRowEvents'
import { binlogDbCheck } from './checks/binlogDb'
import { binlogEnableCheck } from './checks/binlogEnable'
import { binlogFormatCheck } from './checks/binlogFormat'
import { binlogRetentionCheck } from './checks/binlogRetention'
import { binlogRowImageCheck } from './checks/binlogRowImage'
import { binlogRowMetadataCheck } from './checks/binlogRowMetadata'
import { binlogRowValueOptionsCheck } from './checks/binlogRowValueOptions'
import { binlogTransactionCompressionCheck } from './checks/binlogTransactionCompression'
import { charsetCollationCheck } from './checks/charsetCollation'
import { checkConstraintsCheck } from './checks/checkConstraints'
import { connNumberSourceCheck } from './checks/connNumberSource'
import { connNumberTargetCheck } from './checks/connNumberTarget'
import { downstreamTableEmptyCheck } from './checks/downstreamTableEmpty'
import { distinctServersCheck } from './checks/distinctServers'
import { dumpPrivilegeCheck } from './checks/dumpPrivilege'
import { gtidModeCheck } from './checks/gtidMode'
import { logBinCompressCheck } from './checks/logBinCompress'
import { mariadbOnlyObjectsCheck } from './checks/mariadbOnlyObjects'
import { metaPositionCheck } from './checks/metaPosition'
import { physicalSingleJobCheck } from './checks/physicalSingleJob'
import { replicationPrivilegeCheck } from './checks/replicationPrivilege'
import { serverIdCheck } from './checks/serverId'
import { sharedTargetTablesCheck } from './checks/sharedTargetTables'
import { tableNameCaseCheck } from './checks/tableNameCase'
import { tableSchemaCheck } from './checks/tableSchema'
import { targetLimitsCheck } from './checks/targetLimits'
import { targetPrivilegeCheck } from './checks/targetPrivilege'
import { tidbColumnDefaultsCheck } from './checks/tidbColumnDefaults'
import { tidbUnsupportedObjectsCheck } from './checks/tidbUnsupportedObjects'
import { timeRangeCheck } from './checks/timeRange'
import { timeZoneCheck } from './checks/timeZone'
import { versionCheck } from './checks/version'

export const allChecks: readonly PrecheckCheck[] = [
  versionCheck,
  distinctServersCheck,
  auroraReaderCheck,
  serverIdCheck,
  binlogEnableCheck,
  binlogFormatCheck,
  binlogRowImageCheck,
  binlogRowMetadataCheck,
  binlogRowValueOptionsCheck,
  binlogTransactionCompressionCheck,
  logBinCompressCheck,
  binlogAnnotateRowEventsCheck,
  binlogDbCheck,
  binlogRetentionCheck,
  gtidModeCheck,
  metaPositionCheck,
  dumpPrivilegeCheck,
  replicationPrivilegeCheck,
  targetPrivilegeCheck,
  connNumberSourceCheck,
  connNumberTargetCheck,
  tableSchemaCheck,
  charsetCollationCheck,
  tidbUnsupportedObjectsCheck,
  tidbColumnDefaultsCheck,
  mariadbOnlyObjectsCheck,
  checkConstraintsCheck,
  timeRangeCheck,
  targetLimitsCheck,
  tableNameCaseCheck,
  timeZoneCheck,
  downstreamTableEmptyCheck,
  physicalSingleJobCheck,
  sharedTargetTablesCheck,
]
