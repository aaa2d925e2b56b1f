// The dashboard's only assets, served by the gateway itself (/ui/assets/…): no CDN, no build step.
// The Content-Security-Policy allows scripts and styles from this origin only, so nothing is inline.

export const DASHBOARD_CSS = `
:root {
  --fg: #1c2430; --muted: #5a6472; --bg: #f6f7f9; --card: #fff; --line: #d9dde3;
  --accent: #1f5fbf; --used: #2f4a6d; --held: #d08a00; --left: #3c9a5f; --presumed: #b3261e;
  --ok: #1d6b3a; --warn: #8a5a00; --bad: #a4161a; --focus: #ffbf47;
  font-family: system-ui, -apple-system, "Segoe UI", Roboto, sans-serif; line-height: 1.45;
}
* { box-sizing: border-box; }
body { margin: 0; color: var(--fg); background: var(--bg); font-size: 15px; }
a { color: var(--accent); }
:focus-visible { outline: 3px solid var(--focus); outline-offset: 2px; }
.skip { position: absolute; left: -999px; }
.skip:focus { left: 8px; top: 8px; background: var(--card); padding: 6px 10px; z-index: 2; }
header.top { background: #18212d; color: #fff; padding: 8px 16px; display: flex; flex-wrap: wrap; gap: 8px 20px; align-items: center; }
header.top a { color: #fff; }
header.top .brand { font-weight: 600; margin-right: auto; text-decoration: none; }
nav ul { list-style: none; display: flex; flex-wrap: wrap; gap: 4px 14px; margin: 0; padding: 0; }
nav a { text-decoration: none; padding: 4px 2px; }
nav a[aria-current="page"] { border-bottom: 2px solid var(--focus); }
.who { display: flex; gap: 8px; align-items: center; font-size: 14px; }
main { max-width: 1200px; margin: 0 auto; padding: 16px; }
h1 { font-size: 1.5rem; margin: 8px 0 16px; }
h2 { font-size: 1.15rem; margin: 24px 0 8px; }
.card > h2:first-child, .card > h3:first-child { margin-top: 0; }
h3 { font-size: 1.05rem; margin: 0 0 8px; }
section.card, form.card { background: var(--card); border: 1px solid var(--line); border-radius: 6px; padding: 12px 16px; margin: 0 0 16px; }
.grid { display: grid; gap: 16px; grid-template-columns: repeat(auto-fit, minmax(280px, 1fr)); }
.table-wrap { overflow-x: auto; }
table { border-collapse: collapse; width: 100%; background: var(--card); }
th, td { text-align: left; padding: 6px 8px; border-bottom: 1px solid var(--line); vertical-align: top; }
th { font-size: 13px; color: var(--muted); font-weight: 600; white-space: nowrap; }
tbody th { font-size: inherit; color: var(--fg); white-space: normal; }
td.num, th.num { text-align: right; font-variant-numeric: tabular-nums; }
td.msg { max-width: 48ch; overflow-wrap: anywhere; }
.muted { color: var(--muted); font-size: 13px; }
.badge { display: inline-block; padding: 1px 8px; border-radius: 10px; font-size: 13px; border: 1px solid currentColor; }
.badge.Active { color: var(--ok); } .badge.Disabled, .badge.Invalid { color: var(--bad); }
.badge.Expired, .badge.Exceeded { color: var(--warn); }
.level-ERROR, .level-CRITICAL { color: var(--bad); font-weight: 600; } .level-WARNING { color: var(--warn); }
.notice, .alert { padding: 8px 12px; border-radius: 6px; margin: 0 0 16px; }
.notice { background: #e5f3ea; border: 1px solid #9fd0b0; }
.alert { background: #fbe9e9; border: 1px solid #e3a3a3; }
label { display: block; font-weight: 600; font-size: 14px; margin: 8px 0 2px; }
.hint { font-weight: normal; color: var(--muted); font-size: 13px; }
input, select, button { font: inherit; }
input[type=text], input[type=password], input[type=number], input[type=search], input[type=datetime-local], select {
  display: block; width: 100%; max-width: 28rem; padding: 6px 8px; border: 1px solid #9aa3ae; border-radius: 4px; background: #fff;
}
.row { display: flex; flex-wrap: wrap; gap: 8px 16px; align-items: flex-end; }
.row > div { flex: 1 1 12rem; }
.check { display: flex; gap: 6px; align-items: center; font-weight: normal; }
.check input { width: auto; }
button { padding: 6px 14px; border-radius: 4px; border: 1px solid var(--accent); background: var(--accent); color: #fff; cursor: pointer; margin-top: 10px; }
button.secondary { background: #fff; color: var(--accent); }
button.danger { background: var(--bad); border-color: var(--bad); }
header.top button { margin: 0; padding: 3px 10px; background: transparent; border-color: #fff; }
.quota { margin: 0; min-width: 180px; }
figure.chart { margin: 0; }
.quota svg { display: block; width: 100%; height: 12px; border-radius: 3px; background: #e8ebef; }
.quota .used { fill: var(--used); } .quota .held { fill: var(--held); } .quota .left { fill: var(--left); }
.quota .mark { stroke: var(--bad); stroke-width: 0.6; }
.quota figcaption { font-size: 12px; color: var(--muted); }
.legend { display: flex; flex-wrap: wrap; gap: 4px 14px; font-size: 13px; color: var(--muted); margin: 4px 0; }
.swatch { display: inline-block; width: 10px; height: 10px; border-radius: 2px; margin-right: 4px; vertical-align: middle; }
.swatch.used, .swatch.tokens { background: var(--used); } .swatch.held { background: var(--held); }
.swatch.left { background: var(--left); } .swatch.presumed { background: var(--presumed); }
.chart svg { display: block; width: 100%; height: 160px; background: #fbfcfd; border: 1px solid var(--line); }
.chart .tokens { fill: var(--used); } .chart .presumed { fill: var(--presumed); }
.chart .axis { display: flex; justify-content: space-between; font-size: 12px; color: var(--muted); }
dl.facts { display: grid; grid-template-columns: max-content 1fr; gap: 4px 16px; margin: 0; }
dl.facts dt { color: var(--muted); } dl.facts dd { margin: 0; }
.company { margin-bottom: 24px; }
.signin { max-width: 26rem; margin: 40px auto; }
.pager { display: flex; gap: 16px; margin: 8px 0; }
@media (max-width: 640px) {
  body { font-size: 14px; }
  main { padding: 10px; }
  th, td { padding: 5px 6px; }
  .who span { display: none; }
  /* The keys table becomes one card per key. */
  table.keys thead { display: none; }
  table.keys, table.keys tbody, table.keys tr, table.keys th, table.keys td { display: block; width: 100%; }
  table.keys tr { border: 1px solid var(--line); border-radius: 6px; margin: 0 0 10px; padding: 4px 0; }
  table.keys th, table.keys td { border: 0; }
  table.keys td[data-label]::before { content: attr(data-label); display: block; font-size: 12px; color: var(--muted); }
}
`;

/**
 * The log tail: every few seconds, the rows after the newest one shown, put on top with
 * textContent (never HTML). Without JavaScript the page refreshes itself (a <noscript> meta).
 */
export const LOG_TAIL_JS = `(() => {
  const body = document.getElementById('log-rows');
  const status = document.getElementById('tail-status');
  if (!body || !status) return;
  let after = Number(body.dataset.afterId || '0');
  const every = Number(body.dataset.intervalMs || '3000');
  const query = body.dataset.query || '';
  const cell = (tr, text, cls) => {
    const td = document.createElement('td');
    td.textContent = text == null ? '' : String(text);
    if (cls) td.className = cls;
    tr.appendChild(td);
  };
  async function poll() {
    try {
      const res = await fetch('/ui/logs.json?afterId=' + after + (query ? '&' + query : ''), {
        headers: { accept: 'application/json' },
        credentials: 'same-origin',
      });
      if (res.status === 401) {
        status.textContent = 'Signed out: sign in again to follow the log.';
        return;
      }
      if (!res.ok) throw new Error('HTTP ' + res.status);
      const page = await res.json();
      for (const row of page.rows) {
        const tr = document.createElement('tr');
        cell(tr, row.time);
        cell(tr, row.level, 'level-' + row.level);
        cell(tr, row.logger);
        cell(tr, row.companyId);
        cell(tr, row.message, 'msg');
        cell(tr, row.requestId, 'muted');
        body.insertBefore(tr, body.firstChild);
      }
      while (body.rows.length > 300) body.deleteRow(body.rows.length - 1);
      after = page.cursor;
      status.textContent = 'Following: checked ' + new Date().toISOString().slice(11, 19) + ' UTC' +
        (page.rows.length ? ', ' + page.rows.length + ' new' : '');
    } catch (error) {
      status.textContent = 'Paused (' + error.message + '), retrying';
    }
    setTimeout(poll, every);
  }
  setTimeout(poll, every);
})();
`;
