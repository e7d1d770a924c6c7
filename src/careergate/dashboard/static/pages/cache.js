// Cache hit rate and savings, from the cache fields the usage report carries
// (cache_hits, cache_misses, cache_hit_rate, cache_saved_usd): the page draws what is
// there, and says so when there is nothing (no such fields, or no lookup yet). The
// upstream's own prompt caching is read from cached_tokens.
"use strict";

const isCacheField = (name) => name.startsWith("cache_");
const label = (name) => name.replace(/^cache_/, "").replace(/_/g, " ");
function shown(name, value) {
  if (value === null || value === undefined) return "none yet";
  if (name.endsWith("_usd")) return CG.usd(value);
  if (name.endsWith("_rate")) return CG.percent(value);
  return CG.count(value);
}
const sum = (lines, name) => lines.reduce((acc, line) => acc + Number(line[name] || 0), 0);

function drawDays(report, counted) {
  const periods = [...new Set(report.lines.map((line) => line.period))].sort();
  const day = (period) => report.lines.filter((line) => line.period === period);
  const datasets = counted.map((name, index) => ({
    type: "bar", label: label(name), yAxisID: "count",
    data: periods.map((period) => sum(day(period), name)),
    backgroundColor: CG.palette[index % CG.palette.length],
  }));
  if ("cache_hits" in report.total && "cache_misses" in report.total) {
    datasets.push({ type: "line", label: "hit rate", yAxisID: "rate", borderColor: CG.palette[4],
      data: periods.map((period) => {
        const hits = sum(day(period), "cache_hits");
        const looked = hits + sum(day(period), "cache_misses");
        return looked ? hits / looked : null;
      }) });
  }
  CG.chart("cache-chart", { data: { labels: periods, datasets }, options: { scales: {
    count: { position: "left", beginAtZero: true },
    rate: { position: "right", min: 0, max: 1, grid: { drawOnChartArea: false } },
  } } });
}

async function drawCache() {
  const report = await CG.get("/admin/usage?by=model&period=day&since=30d");
  const total = report.total;
  const fields = Object.keys(total).filter(isCacheField);
  const counted = fields.filter((name) => !name.endsWith("_rate") && !name.endsWith("_usd"));
  const lookups = counted.reduce((acc, name) => acc + Number(total[name] || 0), 0);
  const present = fields.length > 0 && lookups > 0;
  document.getElementById("cache-tiles").replaceChildren(
    ...(present ? fields.map((name) => CG.tile(label(name), shown(name, total[name]), `tile-${name}`)) : []));
  document.getElementById("no-cache").hidden = present;
  document.getElementById("cache-charts").hidden = !present;
  if (present) drawDays(report, counted);
  const share = total.prompt_tokens ? total.cached_tokens / total.prompt_tokens : 0;
  document.getElementById("prompt-cache").textContent =
    `${CG.count(total.cached_tokens)} of ${CG.count(total.prompt_tokens)} prompt tokens ` +
    `(${CG.percent(share)}) were read from the upstream's prompt cache in the last 30 days.`;
  document.body.dataset.loaded = "cache";
}
CG.run(drawCache);
