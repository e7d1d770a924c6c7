// Usage and cost over time, grouped by feature, user, team, model or key (/admin/usage).
"use strict";

const TOP = 8; // groups drawn apart; the rest are summed as "other"

// Keys are reported by id: shown by their listed prefix and name instead.
async function keyLabels() {
  const keys = (await CG.get("/admin/key-activity")).data;
  return new Map(keys.map((k) => [k.id, `${k.prefix}... ${k.name || k.user || ""}`.trim()]));
}

function relabel(lines, labels) {
  for (const line of lines) {
    if (line.group !== null && labels.has(line.group)) line.group = labels.get(line.group);
  }
}

function stacked(lines, periods, groups, field) {
  return groups.map((group, index) => ({
    label: group,
    backgroundColor: CG.palette[index % CG.palette.length],
    data: periods.map((period) => lines
      .filter((line) => line.period === period && (groups.includes(line.group ?? "(none)")
        ? (line.group ?? "(none)") === group : group === "other"))
      .reduce((sum, line) => sum + Number(line[field]), 0)),
  }));
}

async function drawUsage() {
  const by = document.getElementById("by").value;
  const period = document.getElementById("period").value;
  const since = document.getElementById("since").value;
  document.querySelectorAll(".by-name").forEach((node) => { node.textContent = by; });
  const query = new URLSearchParams({ by, since });
  const overTime = await CG.get(`/admin/usage?${query}&period=${period}`);
  const totals = await CG.get(`/admin/usage?${query}`);
  if (by === "key") {
    const labels = await keyLabels();
    relabel(overTime.lines, labels);
    relabel(totals.lines, labels);
  }
  const total = totals.total;
  document.getElementById("usage-tiles").replaceChildren(
    CG.tile("Requests", CG.count(total.requests), "tile-requests"),
    CG.tile("Cost", CG.usd(total.cost_usd), "tile-cost"),
    CG.tile("Tokens", CG.count(total.prompt_tokens + total.completion_tokens), "tile-tokens"),
    CG.tile("Errors", CG.count(total.errors), "tile-errors"),
  );
  const ranked = totals.lines.map((line) => line.group ?? "(none)");
  const groups = ranked.length > TOP ? [...ranked.slice(0, TOP), "other"] : ranked;
  const periods = [...new Set(overTime.lines.map((line) => line.period))].sort();
  const options = { scales: { x: { stacked: true }, y: { stacked: true, beginAtZero: true } } };
  CG.chart("cost-chart", { type: "bar", options,
    data: { labels: periods, datasets: stacked(overTime.lines, periods, groups, "cost_usd") } });
  CG.chart("requests-chart", { type: "bar", options,
    data: { labels: periods, datasets: stacked(overTime.lines, periods, groups, "requests") } });
  CG.fillTable("usage-table", totals.lines.map((line) => CG.el("tr", {},
    CG.el("td", { text: line.group ?? "(none)" }),
    CG.el("td", { class: "num", text: CG.count(line.requests) }),
    CG.el("td", { class: "num", text: CG.count(line.errors) }),
    CG.el("td", { class: "num", text: CG.count(line.prompt_tokens) }),
    CG.el("td", { class: "num", text: CG.count(line.completion_tokens) }),
    CG.el("td", { class: "num", text: CG.usd(line.cost_usd) }),
  )));
  document.body.dataset.loaded = "usage";
}

for (const id of ["by", "period", "since"]) {
  document.getElementById(id).addEventListener("change", () => CG.run(drawUsage));
}
CG.run(drawUsage);
