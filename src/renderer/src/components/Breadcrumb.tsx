import { useStore } from '../stores/store'

/** "Migration jobs / <here>" above a page's title; the first part goes back to the jobs list. */
export function Breadcrumb({ here }: { here: string }) {
  const navigate = useStore((s) => s.navigate)
  return (
    <div className="breadcrumb">
      <button type="button" className="link-button" onClick={() => navigate({ page: 'jobs' })}>
        Migration jobs
      </button>{' '}
      / {here}
    </div>
  )
}
