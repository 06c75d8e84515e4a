/**
 * Self-contained HTML pages Cutover writes (the precheck report, the migration report): inline CSS, no scripts,
 * no external resources (a Content-Security-Policy says so), every server-provided string escaped.
 */
export function escapeHtml(text: string): string {
  return text
    .replace(/&/g, '&amp;')
    .replace(/</g, '&lt;')
    .replace(/>/g, '&gt;')
    .replace(/"/g, '&quot;')
    .replace(/'/g, '&#39;')
}

const style = `
body{font:14px/1.5 -apple-system,"Segoe UI",Roboto,Helvetica,Arial,sans-serif;color:#1f2328;max-width:1100px;margin:2rem auto;padding:0 1rem}
h1{font-size:1.5rem;margin:0 0 .25rem}h2{font-size:1.1rem;margin:2rem 0 .5rem}
.meta{color:#59636e;margin:0 0 1rem}
table{border-collapse:collapse;width:100%}th,td{text-align:left;vertical-align:top;padding:.5rem;border-bottom:1px solid #d1d9e0}
th{background:#f6f8fa;font-weight:600}
.kv th{width:12rem;background:none}
td.n,th.n{text-align:right;font-variant-numeric:tabular-nums}
.badge{display:inline-block;padding:.1rem .5rem;border-radius:1rem;font-weight:600;font-size:12px;white-space:nowrap}
.pass{background:#dafbe1;color:#116329}.warning{background:#fff8c5;color:#7d4e00}.failed{background:#ffebe9;color:#a40e26}
.summary span{margin-right:1rem}
code,pre{font-family:ui-monospace,SFMono-Regular,Menlo,Consolas,monospace;font-size:12px}
pre{white-space:pre-wrap;word-break:break-word;background:#f6f8fa;padding:.5rem;border-radius:6px;margin:.25rem 0 0}
.id{color:#59636e;font-size:12px}
@media print{body{margin:0}pre{background:none;border:1px solid #d1d9e0}}
`

/** A whole page: `title` is escaped here, `body` is HTML the caller built from escaped parts. */
export function htmlDocument(title: string, body: string): string {
  return `<!DOCTYPE html>
<html lang="en">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<meta http-equiv="Content-Security-Policy" content="default-src 'none'; style-src 'unsafe-inline'">
<title>${escapeHtml(title)}</title>
<style>${style}</style>
</head>
<body>
${body}
</body>
</html>
`
}
