/** The console's one HTML page: a frame the bundled script (/app.js) fills in, and its style sheet. */

const style = `
:root { --fg: #1d2330; --muted: #5b6475; --line: #d8dde6; --bg: #f6f7f9; --ok: #1b7f4b; --bad: #b42318; --warn: #b54708; --accent: #2f5bd3; }
* { box-sizing: border-box; }
body { margin: 0; font: 14px/1.45 system-ui, -apple-system, "Segoe UI", sans-serif; color: var(--fg); background: var(--bg); }
header { display: flex; gap: 1.5rem; align-items: center; padding: .6rem 1.2rem; background: #1d2330; color: #fff; }
header a { color: #c9d4ff; text-decoration: none; } header a:hover { text-decoration: underline; }
header .brand { font-weight: 600; color: #fff; }
header .live { margin-left: auto; font-size: 12px; color: #9aa4b8; }
main { padding: 1rem 1.2rem 3rem; }
h1 { font-size: 20px; margin: .2rem 0 .8rem; } h2 { font-size: 16px; margin: 1.4rem 0 .5rem; }
table { border-collapse: collapse; background: #fff; border: 1px solid var(--line); width: 100%; }
th, td { text-align: left; padding: .3rem .6rem; border-bottom: 1px solid var(--line); vertical-align: top; }
th { background: #eef1f5; font-weight: 600; cursor: default; } th.sortable { cursor: pointer; }
.card { background: #fff; border: 1px solid var(--line); border-radius: 6px; padding: .8rem 1rem; margin-bottom: .8rem; }
.grid { display: grid; grid-template-columns: repeat(auto-fill, minmax(230px, 1fr)); gap: .6rem; }
.chart { width: 100%; height: 320px; background: #fff; border: 1px solid var(--line); border-radius: 6px; }
.chart.tall { height: 420px; }
.muted { color: var(--muted); }
.status-True { color: var(--ok); } .status-False { color: var(--bad); } .status-Unknown { color: var(--warn); }
.forbidden { color: var(--warn); font-style: italic; }
tr.best td { background: #eefaf3; }
.error { color: var(--bad); }
.step { padding: .25rem .5rem; border-left: 3px solid var(--line); margin: .15rem 0; }
.step.done { border-color: var(--ok); color: var(--muted); } .step.current { border-color: var(--accent); font-weight: 600; background: #eef3ff; }
button { font: inherit; padding: .35rem .9rem; border-radius: 4px; border: 1px solid var(--line); background: #fff; cursor: pointer; }
button.primary { background: var(--accent); border-color: var(--accent); color: #fff; } button.danger { color: var(--bad); border-color: var(--bad); }
button:disabled { opacity: .45; cursor: not-allowed; }
.actions { display: flex; gap: .6rem; align-items: center; margin: .6rem 0; }
.lineage-stage { min-width: 180px; }
.node { display: block; overflow-wrap: anywhere; background: #fff; border: 1px solid var(--line); border-left: 4px solid var(--line); border-radius: 4px; padding: .4rem .6rem; margin: .3rem 0; color: inherit; text-decoration: none; }
.node.ready-True { border-left-color: var(--ok); } .node.ready-False { border-left-color: var(--bad); } .node.ready-Unknown { border-left-color: var(--warn); }
.node.forbidden { border-left-color: var(--warn); }
input[type=search] { font: inherit; padding: .3rem .5rem; border: 1px solid var(--line); border-radius: 4px; width: 18rem; }
`;

/** The page, loading its script from `scriptPath` (a path named by the script's digest, so browsers may cache it). */
export function indexHtml(scriptPath = '/app.js'): string {
  return `<!doctype html>
<html lang="en">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<title>Cairn console</title>
<link rel="icon" href="data:,">
<style>${style}</style>
</head>
<body>
<header><span class="brand">Cairn</span><a href="#/lineage">Lineage</a><a href="#/experiments">Experiments</a><a href="#/deployments">Deployments</a><a href="#/drift">Drift</a><span class="live" id="live">connecting…</span></header>
<main id="app"><p class="muted">Loading…</p></main>
<script type="module" src="${scriptPath}"></script>
</body>
</html>
`;
}
