/**
 * MariaDB objects TiDB has no direct counterpart for, each with what the job does about it: UUID / INET4 / INET6
 * columns become text columns holding the text MariaDB reads them as (schema/ddlRewriter.ts), engines TiDB does
 * not know (Aria) become ordinary TiDB tables, VECTOR columns cannot move, and sequences are created continuing
 * at the source's next value — but nothing replicates a sequence, and a sequence draw in the binlog stops an
 * incremental job, so those jobs must leave the sequences out.
 */
import type { FixAction } from '../../../../shared/domain/precheck'
import { textFormTypes, tidbEngines } from '../../schema/ddlRewriter'
import { copiesExistingData, failed, listSome, pass, plural, readsBinlog, warning, type PrecheckCheck } from '../check'
import { qualifiedName } from '../precheckFacts'

export const mariadbOnlyObjectsCheck: PrecheckCheck = {
  id: 'mariadb_only_objects',
  title: 'MariaDB-only types, engines and sequences',
  appliesTo: (_config, servers) => servers.target.flavor === 'tidb' && servers.source.flavor === 'mariadb',
  async run(facts) {
    const config = facts.config
    const createsSchema = copiesExistingData(config)
    const textForm: string[] = []
    const vector: string[] = []
    const engines: string[] = []
    const sequences = facts.tables.filter((t) => t.kind === 'sequence').map(qualifiedName)
    for (const t of facts.tables) {
      if (t.kind !== 'table') continue
      if (t.engine !== null && !tidbEngines.has(t.engine.toLowerCase()))
        engines.push(`${qualifiedName(t)} (${t.engine})`)
      for (const c of t.columns) {
        const mapped = textFormTypes[c.dataType]
        if (mapped) textForm.push(`${qualifiedName(t)}.${c.name} ${c.dataType} → ${mapped.type}`)
        if (c.dataType === 'vector') vector.push(`${qualifiedName(t)}.${c.name}`)
      }
    }

    const failures: { message: string; fix: string; actions: FixAction[] }[] = []
    if (vector.length > 0) {
      failures.push({
        message: `TiDB cannot hold MariaDB VECTOR columns: ${listSome(vector)}.`,
        fix: 'Move the vectors into a BLOB or TEXT column on the source first.',
        actions: [{ kind: 'setting', setting: 'objects', join: 'or', note: 'leave those tables out' }],
      })
    }
    if (sequences.length > 0 && readsBinlog(config)) {
      failures.push({
        message: `${plural(sequences.length, 'sequence')} in the selected databases (${listSome(sequences)}): every NEXTVAL the source runs writes the sequence to the binlog, and the incremental stage cannot apply a sequence, so the job would stop at the first one (REPLICATE_SCHEMA_UNKNOWN_TABLE).`,
        fix: "Create each sequence on the target yourself (CREATE SEQUENCE … START WITH the source's next value) and, at cutover, bring it level with SELECT SETVAL(seq, <the source's next_not_cached_value> - <increment>).",
        actions: [
          { kind: 'setting', setting: 'objects', join: 'then', note: 'select the tables one by one instead of the database, so the sequences stay outside the job' },
          { kind: 'setting', setting: 'type', value: 'existing', join: 'or', note: 'a job that copies existing data only creates the sequences' },
        ],
      })
    }
    const notes: string[] = []
    if (textForm.length > 0) {
      notes.push(
        `UUID, INET4 and INET6 columns become text columns holding the text MariaDB reads them as (copied and replicated unchanged, compared without case): ${listSome(textForm)}. After cutover the target no longer parses or normalises what the application writes ('{…}' or unhyphenated UUIDs, '::FFFF:1.2.3.4'), and ORDER BY sorts them as text, not by value.`,
      )
    }
    if (engines.length > 0 && createsSchema) {
      notes.push(
        `TiDB has no such engine, so these tables become ordinary transactional TiDB tables (as MyISAM and MEMORY tables do): ${listSome(engines)}. The rows are the same; writes now roll back with their transaction and lock rows, not the table.`,
      )
    }
    if (sequences.length > 0 && !readsBinlog(config)) {
      notes.push(
        `${plural(sequences.length, 'sequence')} (${listSome(sequences)}) ${sequences.length === 1 ? 'is' : 'are'} created on TiDB with the same start, increment, bounds, cache and cycle, continuing at the source's next value not yet handed out.`,
      )
    }
    const noteFix =
      'Nothing to do if the application writes UUIDs and addresses in their canonical form and does not rely on Aria tables ignoring transactions; otherwise change those columns or tables on the source first (ALTER TABLE … MODIFY u CHAR(36), ENGINE=InnoDB).'
    if (failures.length > 0) {
      return failed(
        [...failures.map((f) => f.message), ...(notes.length > 0 ? ['Also:', ...notes] : [])].join(' '),
        failures.map((f) => f.fix).join('\n'),
        failures.flatMap((f) => f.actions),
      )
    }
    if (textForm.length > 0 || (engines.length > 0 && createsSchema)) return warning(notes.join(' '), noteFix)
    if (notes.length > 0) return pass(notes.join(' '))
    return pass('No MariaDB-only column types, storage engines or sequences.')
  },
}
