/**
 * The precheck as one self-contained HTML page a consultant can hand to a customer (htmlPage.ts). Never contains a
 * password.
 */
import { precheckFixText } from '../../../shared/domain/fixWording'
import type { JobConfig } from '../../../shared/domain/job'
import type { PrecheckReport, PrecheckStatus } from '../../../shared/domain/precheck'
import { escapeHtml, htmlDocument } from '../htmlPage'

const statusLabel: Record<PrecheckStatus, string> = { pass: 'Pass', warning: 'Warning', failed: 'Failed' }

export function renderPrecheckHtml(
  report: PrecheckReport,
  config: Pick<JobConfig, 'type' | 'mode' | 'objects'>,
): string {
  const e = escapeHtml
  const server = (s: PrecheckReport['source']) => (s ? `${e(s.endpoint)} — ${e(s.versionString)}` : 'not reached')
  const objects = config.objects === 'all' ? 'all databases' : config.objects.join(', ')
  const rows = report.items
    .map(
      (i) => `<tr>
<td><span class="badge ${i.status}">${statusLabel[i.status]}</span></td>
<td><strong>${e(i.title)}</strong><div class="id"><code>${e(i.id)}</code> · ${i.durationMs} ms</div></td>
<td>${e(i.message)}${precheckFixText(i, 'cli') ? `<pre>${e(precheckFixText(i, 'cli'))}</pre>` : ''}</td>
</tr>`,
    )
    .join('\n')
  const { pass, warning, failed } = report.summary
  const verdict =
    failed > 0 ? 'Not ready: fix the failed items.' : warning > 0 ? 'Ready, with warnings to review.' : 'Ready.'
  return htmlDocument(
    `Precheck: ${report.jobName}`,
    `<h1>Migration precheck: ${e(report.jobName)}</h1>
<p class="meta">Run ${e(report.startedAt)} → ${e(report.finishedAt)} (UTC) by Cutover</p>
<table class="kv">
<tr><th>Source</th><td>${server(report.source)}</td></tr>
<tr><th>Target</th><td>${server(report.target)}</td></tr>
<tr><th>Migration</th><td>${e(config.type)} data, ${e(config.mode)} mode</td></tr>
<tr><th>Objects</th><td>${e(objects)}</td></tr>
</table>
<h2>Result: ${e(verdict)}</h2>
<p class="summary"><span class="badge pass">${pass} passed</span><span class="badge warning">${warning} warnings</span><span class="badge failed">${failed} failed</span></p>
<table>
<thead><tr><th>Status</th><th>Check</th><th>Finding and fix</th></tr></thead>
<tbody>
${rows}
</tbody>
</table>`,
  )
}
