/**
 * Every rewrite the schema stage can make, executed on the real targets, not only compared as text: a MariaDB
 * database holding one object per rewrite code is planned with the target's own capabilities and applied by
 * `applySchema` (the job's session settings and warning checks), and MySQL 8 DDL that MariaDB cannot create is
 * rewritten and applied the same way. Every code in ddlRewriter.ts must appear, so a new rewrite comes with a case.
 */
import { readFileSync } from 'node:fs'
import { join } from 'node:path'
import type { Connection } from 'mysql2/promise'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { openSession } from '../../src/main/engine/connect/openSession'
import { detectServer } from '../../src/main/engine/connect/serverInfo'
import type { SqlSession } from '../../src/main/engine/connect/session'
import { rewriteCreateTable } from '../../src/main/engine/schema/ddlRewriter'
import { selectSchemaObjects } from '../../src/main/engine/schema/schemaObjects'
import {
  applySchema,
  planSchema,
  readTargetCapabilities,
  type SchemaPlan,
} from '../../src/main/engine/schema/schemaStage'
import { connectionSchema } from '../../src/shared/domain/connection'
import {
  connectSource,
  connectTarget,
  sourceServer,
  targetServerOf,
  uniqueName,
  type TargetKind,
} from '../harness/servers'

/** The rewrite codes ddlRewriter.ts can record (`record('CODE', …)` and `dropRange(…, rewrites, 'CODE', …)`). */
function rewriterCodes(): string[] {
  const text = readFileSync(join(__dirname, '../../src/main/engine/schema/ddlRewriter.ts'), 'utf8')
  const codes = [...text.matchAll(/record\(\s*'([A-Z_]+)'|rewrites,\s*'([A-Z_]+)'/g)].map((m) => m[1] ?? m[2]!)
  return [...new Set(codes)].sort()
}

/** MySQL 8.0 SHOW CREATE output MariaDB 10.11 cannot take as it is (0900 collations). */
const mysql8Table = (name: string) => `CREATE TABLE \`${name}\` (
  \`id\` bigint unsigned NOT NULL AUTO_INCREMENT,
  \`email\` varchar(255) CHARACTER SET utf8mb4 COLLATE utf8mb4_0900_as_cs NOT NULL,
  \`name\` varchar(100) COLLATE utf8mb4_0900_ai_ci NOT NULL DEFAULT 'utf8mb4_0900_ai_ci',
  \`bio\` text COLLATE utf8mb4_0900_ai_ci,
  PRIMARY KEY (\`id\`),
  UNIQUE KEY \`uk_email\` (\`email\`)
) ENGINE=InnoDB AUTO_INCREMENT=4242 DEFAULT CHARSET=utf8mb4 COLLATE=utf8mb4_0900_ai_ci`

describe('every schema rewrite runs on the real target', () => {
  const db = uniqueName('rewrites')
  const mysqlDb = uniqueName('rewrites_my')
  let source: Connection

  beforeAll(async () => {
    source = await connectSource()
    await source.query(`
      CREATE DATABASE \`${db}\` DEFAULT CHARACTER SET utf8mb4 COLLATE utf8mb4_uca1400_ai_ci;
      USE \`${db}\`;
      CREATE TABLE sp (id INT PRIMARY KEY, g POINT NOT NULL, a INT, SPATIAL KEY sp (g), KEY ga (a, g(25)));
      CREATE TABLE ft (id INT PRIMARY KEY, body TEXT, FULLTEXT KEY body_ft (body));
      CREATE TABLE per (id INT PRIMARY KEY, s DATE NOT NULL, e DATE NOT NULL, PERIOD FOR app (s, e));
      CREATE TABLE sv (x INT) WITH SYSTEM VERSIONING;
      CREATE TABLE svx (x INT, rs TIMESTAMP(6) GENERATED ALWAYS AS ROW START INVISIBLE,
        re TIMESTAMP(6) GENERATED ALWAYS AS ROW END INVISIBLE, y INT WITHOUT SYSTEM VERSIONING,
        PERIOD FOR SYSTEM_TIME (rs, re)) WITH SYSTEM VERSIONING;
      CREATE TABLE vis (id INT PRIMARY KEY, secret VARCHAR(32) INVISIBLE, note TEXT COMPRESSED, a INT, KEY (a DESC));
      CREATE TABLE colls (id INT PRIMARY KEY, m VARCHAR(10) CHARACTER SET utf8mb3, l VARCHAR(10) CHARACTER SET latin1 COLLATE latin1_swedish_ci,
        u VARCHAR(10) COLLATE utf8mb4_uca1400_as_cs);
      CREATE TABLE aria (id INT PRIMARY KEY) ENGINE=Aria PAGE_CHECKSUM=1 TRANSACTIONAL=1;
      CREATE TABLE mtypes (id INT PRIMARY KEY, u UUID DEFAULT uuid(), i4 INET4, i6 INET6);
      CREATE TABLE defs (id INT PRIMARY KEY, t TEXT DEFAULT '', tn TEXT NOT NULL DEFAULT '', j JSON DEFAULT '{}',
        day DATE DEFAULT current_timestamp(), ts TIMESTAMP NOT NULL DEFAULT '0000-00-00 00:00:00');
      CREATE SEQUENCE seq START WITH 7 CACHE 5;
      SELECT NEXTVAL(seq);
      CREATE VIEW v AS SELECT id, a FROM vis;
    `)
  })
  afterAll(async () => {
    await source.query(`DROP DATABASE IF EXISTS \`${db}\``)
    for (const kind of ['tidb', 'mariadb'] as const) {
      const target = await connectTarget(undefined, kind)
      await target.query(`DROP DATABASE IF EXISTS \`${db}\``)
      await target.query(`DROP DATABASE IF EXISTS \`${mysqlDb}\``)
      await target.end()
    }
    await source.end()
  })

  async function withSessions<T>(kind: TargetKind, use: (s: SqlSession, t: SqlSession) => Promise<T>): Promise<T> {
    const s = await openSession(connectionSchema.parse({ ...sourceServer() }), 'source')
    const t = await openSession(connectionSchema.parse({ ...targetServerOf(kind) }), 'target')
    try {
      return await use(s, t)
    } finally {
      await Promise.all([s.close(), t.close()])
    }
  }

  it.each<TargetKind>(['tidb', 'mariadb'])('applies the rewritten schema on %s', async (kind) => {
    const logs: string[] = []
    const log = (level: string, message: string, code?: string) => logs.push(`${level} ${code ?? ''} ${message}`)
    const codes = await withSessions(kind, async (s, t) => {
      const caps = await readTargetCapabilities(t, await detectServer(t), { policy: { fulltext: 'drop', spatial: 'drop' } })
      const objects = await selectSchemaObjects(s, await detectServer(s), [db])
      const plan = await planSchema(s, caps, objects)
      await applySchema(plan, t, log)

      // MySQL 8 DDL, through the same rewriter and the same apply.
      const rewritten = rewriteCreateTable(mysql8Table('customers'), caps, { schema: mysqlDb })
      const mysqlPlan: SchemaPlan = {
        statements: [
          { kind: 'database', object: mysqlDb, database: mysqlDb, sql: `CREATE DATABASE \`${mysqlDb}\`` },
          { kind: 'table', object: `${mysqlDb}.customers`, database: mysqlDb, sql: rewritten.sql },
        ],
        rewrites: rewritten.rewrites,
        notMigrated: [],
        deferredIndexes: [],
      }
      await applySchema(mysqlPlan, t, log)

      // Everything planned is there.
      for (const statement of [...plan.statements, ...mysqlPlan.statements]) {
        const [schema, name] = [statement.database, statement.object.slice(statement.database.length + 1)]
        const show =
          statement.kind === 'database'
            ? `SHOW CREATE DATABASE \`${schema}\``
            : `SHOW CREATE ${statement.kind === 'view' ? 'VIEW' : statement.kind === 'sequence' ? 'SEQUENCE' : 'TABLE'} \`${schema}\`.\`${name}\``
        await expect(t.query(show), statement.object).resolves.toHaveLength(1)
      }
      return [...new Set([...plan.rewrites, ...mysqlPlan.rewrites].map((r) => r.code))].sort()
    })
    expect(logs.join('\n')).not.toMatch(/^error/m)
    if (kind === 'tidb') {
      // Every code the rewriter has, plus the database collation and the sequence start of schemaStage.ts.
      expect(codes).toEqual(expect.arrayContaining([...rewriterCodes(), 'SCHEMA_COLLATION', 'SEQUENCE_CONTINUES']))
    } else {
      // What a MariaDB target needs: the view's definer, FULLTEXT when the verdict drops it, MySQL 8 collations.
      expect(codes).toEqual(
        expect.arrayContaining([
          'COLLATION_MAPPED',
          'FULLTEXT_INDEX_DROPPED',
          'VIEW_DEFINER_REMOVED',
          'VIEW_SQL_SECURITY_REMOVED',
        ]),
      )
      expect(codes).not.toContain('MARIADB_TYPE_AS_TEXT')
    }
  })

  it.each<TargetKind>(['tidb', 'mariadb'])(
    'keeps or drops FULLTEXT by what %s does with a probe table, not by its version',
    async (kind) => {
      const { plan, indexes } = await withSessions(kind, async (s, t) => {
        const caps = await readTargetCapabilities(t, await detectServer(t), { databases: [db] })
        const objects = await selectSchemaObjects(s, await detectServer(s), [db])
        const plan = await planSchema(s, caps, { tables: objects.tables.filter((x) => x.name === 'ft'), views: [] })
        await t.query(`DROP TABLE IF EXISTS \`${db}\`.ft`)
        await applySchema(plan, t, () => undefined)
        const indexes = await t.query<{ Key_name: string }>(`SHOW INDEX FROM \`${db}\`.ft`)
        return { plan, indexes: indexes.map((r) => r.Key_name) }
      })
      const dropped = plan.rewrites.find((r) => r.code === 'FULLTEXT_INDEX_DROPPED')
      if (kind === 'tidb') {
        // This self-hosted TiDB 8.x ignores FULLTEXT (warning 1214): the rewrite says so, from the probe.
        expect(dropped?.reason).toContain('a probe table on the target was created without its FULLTEXT index')
        expect(indexes).toEqual(['PRIMARY'])
      } else {
        expect(dropped).toBeUndefined()
        expect(indexes).toEqual(expect.arrayContaining(['PRIMARY', 'body_ft']))
      }
      // The probe left no table behind.
      const target = await connectTarget(db, kind)
      const [left] = await target.query(`SHOW TABLES LIKE '\\_cutover\\_probe%'`)
      await target.end()
      expect(left).toEqual([])
    },
  )
})
