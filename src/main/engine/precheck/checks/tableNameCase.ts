import { failed, pass, type PrecheckCheck } from '../check'
import { qualifiedName } from '../precheckFacts'

/** TiDB runs with lower_case_table_names = 2: names that differ only by case become one table. */
export const tableNameCaseCheck: PrecheckCheck = {
  id: 'table_name_case',
  title: 'No table names that differ only by letter case',
  appliesTo: (_config, servers) => servers.target.flavor === 'tidb',
  async run(facts) {
    const groups = new Map<string, string[]>()
    for (const t of facts.tables) {
      const key = qualifiedName(t).toLowerCase()
      groups.set(key, [...(groups.get(key) ?? []), qualifiedName(t)])
    }
    const clashes = [...groups.values()].filter((g) => g.length > 1)
    if (clashes.length === 0) return pass('Every selected table name is unique without regard to case.')
    return failed(
      `TiDB compares table names without case, so these would collide: ${clashes.map((g) => g.join(' / ')).join('; ')}.`,
      clashes.map((g) => `RENAME TABLE ${g.slice(1).map((n) => `\`${n.replace('.', '`.`')}\` TO \`${n.replace('.', '`.`')}_2\``).join(', ')};  -- on the source`).join('\n'),
      [{ kind: 'setting', setting: 'objects', join: 'or', note: 'leave one table of each pair out' }],
    )
  },
}
