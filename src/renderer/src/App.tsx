import { useEffect } from 'react'
import { AppHeader } from './components/AppHeader'
import { JobsPage } from './pages/JobsPage'
import { useStore } from './stores/store'

export function App() {
  const theme = useStore((s) => s.theme)
  const loadInfo = useStore((s) => s.loadInfo)

  useEffect(() => {
    void loadInfo()
  }, [loadInfo])

  useEffect(() => {
    document.documentElement.dataset['theme'] = theme
  }, [theme])

  return (
    <div className="app">
      <AppHeader />
      <JobsPage />
    </div>
  )
}
