/** The one way a link leaves the app: https URLs to documentation hosts we name, nothing else. */
const allowedHosts = new Set(['docs.pingcap.com', 'dev.mysql.com', 'mariadb.com', 'github.com'])

export function isAllowedExternalUrl(raw: string): boolean {
  try {
    const url = new URL(raw)
    return url.protocol === 'https:' && allowedHosts.has(url.hostname)
  } catch {
    return false
  }
}
