import { useStore } from '../stores/store'

export function AppHeader() {
  const theme = useStore((s) => s.theme)
  const toggleTheme = useStore((s) => s.toggleTheme)
  const host = useStore((s) => s.info?.host)
  return (
    <header className="app-header">
      <div className="brand">
        <span className="brand-mark" aria-hidden="true">
          ⇢
        </span>
        <span className="brand-name">Cutover</span>
        {host === 'bridge' && <span className="host-tag">browser bridge</span>}
      </div>
      <button
        type="button"
        className="button ghost"
        onClick={toggleTheme}
        aria-label={`Switch to ${theme === 'dark' ? 'light' : 'dark'} theme`}
      >
        {theme === 'dark' ? '☀ Light' : '☾ Dark'}
      </button>
    </header>
  )
}
