/**
 * The wizard with a read-only source account at 1024×700, through `cutover serve`, against a real MariaDB source and
 * a real TiDB target: step 1 lets an account without binlog privileges through with a warning (the type decides),
 * the mode card is gone for incremental-only, search finds `db.table`, a failed item whose fix is a wizard choice
 * links to its step, and the spec step shows what is known (sizes, the cap) with TiDB Cloud's table as a reference.
 * Screenshots of each screen in both themes go to test-results/screenshots/.
 */
import { expect, test } from '@playwright/test'
import { startMariaDb, type CreatedUser, type MariaDbServer } from '../harness/mariadb'
import { startTidb, type TidbServer } from '../harness/tidb'
import { serveApp, type ServedApp } from '../harness/cutoverServe'
import { shoot, watchConsole } from './pageChecks'

let app: ServedApp
let source: MariaDbServer
let target: TidbServer
let reader: CreatedUser
let targetUser: CreatedUser
/** 64 characters, MariaDB's longest table name. */
const longName = `customer_loyalty_points_ledger_${'x'.repeat(64 - 31 - 7)}_by_day`

test.use({ viewport: { width: 1024, height: 700 } })

test.beforeAll(async () => {
  test.setTimeout(180_000)
  ;[source, target] = await Promise.all([
    startMariaDb({ name: 'e2e-choices-source', binlog: { format: 'ROW', rowImage: 'FULL', rowMetadata: 'FULL' } }),
    startTidb({ name: 'e2e-choices-target' }),
  ])
  // Enough to copy existing data, nothing to read the binlog with (no REPLICATION SLAVE, no BINLOG MONITOR).
  ;[reader, targetUser] = await Promise.all([
    source.createUser({ user: 'readonly', grants: ['SELECT, RELOAD, LOCK TABLES, SHOW VIEW, PROCESS ON *.*'] }),
    target.createUser({ user: 'cutover_dst', grants: ['ALL PRIVILEGES ON *.*'] }),
  ])
  await source.createDatabase('shop')
  await source.query(`
    USE shop;
    CREATE TABLE shop.orders (id INT PRIMARY KEY, note VARCHAR(100));
    CREATE TABLE shop.customers (id INT PRIMARY KEY, name VARCHAR(100));
    CREATE TABLE shop.${longName} (id INT PRIMARY KEY);
    INSERT INTO shop.orders SELECT seq, CONCAT('order ', seq) FROM seq_1_to_2000;
    INSERT INTO shop.customers SELECT seq, CONCAT('customer ', seq) FROM seq_1_to_100;
    ANALYZE TABLE shop.orders, shop.customers;
  `)
  // A target table that already holds a row: physical mode refuses it, logical mode copies over it.
  await target.query('CREATE DATABASE shop')
  await target.query('CREATE TABLE shop.orders (id INT PRIMARY KEY, note VARCHAR(100))')
  await target.query("INSERT INTO shop.orders VALUES (1, 'already here')")
  app = await serveApp()
})

test.afterAll(async () => {
  await app?.stop()
  await Promise.all([source?.stop(), target?.stop()])
})

test('a read-only source account, a fix that is a wizard choice, and the spec step’s known figures', async ({
  page,
}) => {
  test.setTimeout(180_000)
  const watch = await watchConsole(page)
  await page.goto(app.url)
  await page.getByRole('button', { name: 'Create migration job' }).click()

  // The name error names the character that breaks the rule.
  await page.locator('#job-name').fill('shop copy')
  await expect(page.locator('#job-name-error')).toHaveText(
    'The name has a space at position 5; use only letters, digits, _ and -.',
  )
  await page.locator('#job-name').fill('shop-copy')
  await page.locator('#source-host').fill('127.0.0.1')
  await page.locator('#source-port').fill(String(source.port))
  await page.locator('#source-user').fill(reader.user)
  await page.locator('#source-password').fill(reader.password)
  await page.locator('#target-host').fill('127.0.0.1')
  await page.locator('#target-port').fill(String(target.port))
  await page.locator('#target-user').fill(targetUser.user)
  await page.locator('#target-password').fill(targetUser.password)
  await page.getByRole('button', { name: 'Validate connection and next' }).click()

  // Step 2 opens although the binlog reader failed; the default type (with incremental) says what it needs.
  await expect(page.getByRole('heading', { name: /Choose the migration type and mode/ })).toBeFocused()
  await expect(page.locator('#binlog-type-note')).toContainText('could not read')
  await shoot(page, 'choices-2-type-binlog-note')
  await page.getByLabel('Incremental only').check()
  await expect(page.getByRole('radio', { name: /Physical/ })).toHaveCount(0)
  await page.getByLabel('Existing data only').check()
  await expect(page.locator('#binlog-type-note')).toHaveCount(0)
  await page.getByRole('radio', { name: /Physical/ }).check()

  // Back on step 1, the source shows as connected with a warning, not as a failed connection.
  await page
    .getByRole('button', { name: /Connections/ })
    .first()
    .click()
  await expect(page.locator('#source-test')).toContainText('Connected, without a binlog reader')
  await expect(page.locator('#source-test .hop-warning')).toContainText('Binlog reader')
  await expect(page.locator('#source-user-error')).toHaveCount(0)
  // Going back changed nothing: the step already reached stays open in the stepper.
  await expect(page.getByRole('button', { name: /Job type/ })).toBeEnabled()
  await expect(page.getByRole('button', { name: /Objects/ })).toBeDisabled()
  await shoot(page, 'choices-1-binlog-warning')
  await page.getByRole('button', { name: 'Validate connection and next' }).click()
  await expect(page.getByRole('heading', { name: /Choose the migration type and mode/ })).toBeFocused()
  await page.getByRole('button', { name: 'Next' }).click()

  // Step 3: search by db.table, one table selected reads "1 table".
  await page.getByLabel('Customize').check()
  // Unticking one table of a ticked database says it became a table list (later tables are no longer included).
  await page.getByLabel('Database shop').check()
  await page.getByRole('button', { name: 'Expand shop' }).click()
  await page.getByLabel('Table shop.customers').uncheck()
  await expect(page.locator('#objects-split-note')).toHaveText(
    /^Unticking shop\.customers turned the whole database shop into a list of its other 2 tables: tables created in shop later are not included/,
  )
  await page.getByRole('button', { name: 'Clear' }).click()
  await page.getByLabel('Search databases and tables').fill('shop.ord')
  const tree = page.getByRole('list', { name: 'Source databases and tables' })
  await expect(tree).toContainText('orders')
  await expect(tree).not.toContainText('customers')
  await page.getByLabel('Table shop.orders').check()
  await expect(page.locator('.summary-line')).toContainText(/^1 table · /)
  // A long name ends in an ellipsis and keeps its remove button inside the card (two columns from 1100 px wide).
  await page.setViewportSize({ width: 1280, height: 800 })
  await page.getByLabel('Search databases and tables').fill(longName.slice(0, 20))
  await page.getByLabel(`Table shop.${longName}`).check()
  const entry = page.getByRole('list', { name: 'Selected objects' }).getByTitle(`shop.${longName}`)
  expect(
    await entry.evaluate((e) => e.scrollWidth > e.clientWidth && getComputedStyle(e).textOverflow === 'ellipsis'),
  ).toBe(true)
  const card = (await page.locator('section[aria-labelledby="selected-title"]').boundingBox())!
  const remove = (await page.getByRole('button', { name: `Remove shop.${longName}` }).boundingBox())!
  expect(remove.x + remove.width).toBeLessThanOrEqual(card.x + card.width)
  await shoot(page, 'choices-3-objects-long-name-1280')
  await page.setViewportSize({ width: 1024, height: 700 })
  await shoot(page, 'choices-3-objects-search')
  await page.getByRole('button', { name: `Remove shop.${longName}` }).click()
  await page.getByLabel('Search databases and tables').fill('shop.ord')
  await page.getByRole('button', { name: 'Next' }).click()

  // Step 4: physical mode into a table with rows fails; the fix offers TRUNCATE on the server or a wizard choice.
  const item = page.locator('[data-item="downstream_table_empty"]')
  await expect(item).toContainText('Failed', { timeout: 60_000 })
  await expect(item.locator('.fix-action')).toHaveText(/^or choose Logical mode in step 2, Job type/)
  await expect(item).not.toContainText('job file')
  await expect(page.locator('.callout-fail')).toContainText("or change the job's settings")
  await expect(item.getByRole('button', { name: /Copy the fix/ })).toHaveText('Copy SQL')
  // A fix in prose that starts like a statement ("Drop those tables…") is copied whole, as prose.
  const prose = page.locator('[data-item="table_schema"]')
  await expect(prose.locator('.fix-text')).toHaveText(/^Drop those tables/)
  await expect(prose.getByRole('button', { name: /Copy the fix/ })).toHaveText('Copy')
  await shoot(page, 'choices-4-precheck-setting-fix')
  await item.getByRole('button', { name: /Go to step 2, Job type/ }).click()
  await expect(page.getByRole('heading', { name: /Choose the migration type and mode/ })).toBeFocused()
  // Steps 3 and 4 stay open until the change: choosing Logical closes them until Next checks it.
  await expect(page.getByRole('button', { name: /Precheck/ }).first()).toBeEnabled()
  await page.getByRole('radio', { name: /Logical/ }).check()
  await expect(page.getByRole('button', { name: /Objects/ })).toBeDisabled()
  await page.getByRole('button', { name: 'Next' }).click()
  await page.getByRole('button', { name: 'Next' }).click()
  await expect(page.getByText('Precheck finished')).toBeVisible({ timeout: 60_000 })
  await expect(page.locator('.count-failed')).toHaveText('0 failed')
  await page.getByRole('button', { name: /^(Next|Continue with \d+ warnings?)$/ }).click()

  // Step 5: the selected data's size and the cap; a bound only with a cap; TiDB Cloud's figures only as a reference.
  const known = page.getByLabel('What is known before the job runs')
  await expect(known).toContainText('Selected data (source statistics)')
  await expect(known).toContainText('1 table')
  await expect(known).toContainText('no bound without a cap')
  await expect(known).not.toContainText(/Expected|impact/i)
  await page.locator('#spec-cap').fill('1')
  await expect(known).toContainText('1 MiB/s')
  await expect(known).toContainText(/under 1 s|at least \d+ s/)
  await expect(page.locator('details.reference summary')).toHaveText(
    'Reference figures (TiDB Cloud DM), not a prediction for this job',
  )
  await expect(page.getByRole('table', { name: 'Reference export speeds' })).toBeHidden()
  await shoot(page, 'choices-5-spec')
  await page.locator('details.reference summary').click()
  await expect(page.getByRole('table', { name: 'Reference export speeds' })).toBeVisible()
  await shoot(page, 'choices-5-spec-reference')

  // Cancel on a draft past step 1 asks first; Keep editing leaves it as it was.
  await page.getByRole('button', { name: 'Cancel', exact: true }).click()
  const confirm = page.getByRole('dialog', { name: 'Discard this job draft?' })
  await expect(confirm).toContainText('“shop-copy”')
  await expect(confirm.getByRole('button', { name: 'Keep editing' })).toBeFocused()
  await shoot(page, 'choices-6-cancel-confirm')
  await confirm.getByRole('button', { name: 'Keep editing' }).click()
  await expect(page.getByRole('heading', { name: 'Summary' })).toBeVisible()
  await page.getByRole('button', { name: 'Cancel', exact: true }).click()
  await confirm.getByRole('button', { name: 'Discard draft' }).click()
  await expect(page.getByRole('heading', { name: 'Migration jobs' })).toBeVisible()

  expect(watch.errors).toEqual([])
  expect(watch.cspViolations).toEqual([])
})
