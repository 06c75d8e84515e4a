/**
 * The precheck as one self-contained HTML page a consultant can hand to a customer: inline CSS, no
 * scripts, no external resources, every server-provided string escaped. Never contains a password.
 */
import { precheckFixText } from '../../../shared/domain/fixWording'
import type { JobConfig } from '../../../shared/domain/job'
import type { PrecheckReport, PrecheckStatus } from '../../../shared/domain/precheck'

export function escapeHtml(text: string): string {
  return text
    .replace(/&/g, '&amp;')
    .replace(/</g, '&lt;')
    .replace(/>/g, '&gt;')
    .replace(/"/g, '&quot;')
    .replace(/'/g, '&#39;')
}

const statusLabel: Record<PrecheckStatus, string> = { pass: 'Pass', warning: 'Warning', failed: 'Failed' }

const style = `
body{font:14px/1.5 -apple-system,"Segoe UI",Roboto,Helvetica,Arial,sans-serif;color:#1f2328;max-width:1100px;margin:2rem auto;padding:0 1rem}
h1{font-size:1.5rem;margin:0 0 .25rem}h2{font-size:1.1rem;margin:2rem 0 .5rem}
.meta{color:#59636e;margin:0 0 1rem}
table{border-collapse:collapse;width:100%}th,td{text-align:left;vertical-align:top;padding:.5rem;border-bottom:1px solid #d1d9e0}
th{background:#f6f8fa;font-weight:600}
.kv th{width:12rem;background:none}
.badge{display:inline-block;padding:.1rem .5rem;border-radius:1rem;font-weight:600;font-size:12px;white-space:nowrap}
.pass{background:#dafbe1;color:#116329}.warning{background:#fff8c5;color:#7d4e00}.failed{background:#ffebe9;color:#a40e26}
.summary span{margin-right:1rem}
code,pre{font-family:ui-monospace,SFMono-Regular,Menlo,Consolas,monospace;font-size:12px}
pre{white-space:pre-wrap;word-break:break-word;background:#f6f8fa;padding:.5rem;border-radius:6px;margin:.25rem 0 0}
.id{color:#59636e;font-size:12px}
@media print{body{margin:0}pre{background:none;border:1px solid #d1d9e0}}
`

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
  return `<!DOCTYPE html>
<html lang="en">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<meta http-equiv="Content-Security-Policy" content="default-src 'none'; style-src 'unsafe-inline'">
<title>Precheck: ${e(report.jobName)}</title>
<style>${style}</style>
</head>
<body>
<h1>Migration precheck: ${e(report.jobName)}</h1>
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
</table>
</body>
</html>
`
}
