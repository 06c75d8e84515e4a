/** What every browser test watches and records: console errors, CSP violations, and screenshots in both themes. */
import type { Page } from '@playwright/test'

const shots = 'test-results/screenshots'

export interface ConsoleWatch {
  /** Console errors and uncaught page errors. */
  errors: string[]
  /** Every CSP violation, whatever its console level. */
  cspViolations: string[]
}

/**
 * Starts recording before the page loads. Chromium logs a refused resource as a console error, but a violation
 * can also be reported only as a `securitypolicyviolation` event; both end up in `cspViolations`.
 */
export async function watchConsole(page: Page): Promise<ConsoleWatch> {
  const watch: ConsoleWatch = { errors: [], cspViolations: [] }
  await page.addInitScript(() => {
    document.addEventListener('securitypolicyviolation', (e) => {
      console.error(`Content Security Policy violation: ${e.violatedDirective} blocked ${e.blockedURI || '(inline)'}`)
    })
  })
  page.on('console', (m) => {
    const text = m.text()
    if (/Content Security Policy|Refused to (load|execute|apply|connect|create|frame)/i.test(text))
      watch.cspViolations.push(text)
    if (m.type() === 'error') watch.errors.push(text)
  })
  page.on('pageerror', (error) => watch.errors.push(`page error: ${error.message}`))
  return watch
}

/** One screenshot per theme; the theme attribute is flipped directly so no control keeps hover or focus. */
export async function shoot(page: Page, name: string): Promise<void> {
  // A full-page shot of a scrolled page would paint the sticky header over the content.
  await page.evaluate(() => window.scrollTo(0, 0))
  for (const theme of ['light', 'dark'] as const) {
    await page.evaluate((t) => (document.documentElement.dataset['theme'] = t), theme)
    await page.screenshot({ path: `${shots}/${name}-${theme}.png`, fullPage: true })
  }
  await page.evaluate(() => (document.documentElement.dataset['theme'] = 'light'))
}
