// Cache hit rate and savings, from whatever cache fields the usage report carries
// (cache_hits, cache_saved_usd...): the page draws what is there and says so when
// nothing is. The upstream's own prompt caching is read from cached_tokens.
"use strict";

const isCacheField = (name) => name.startsWith("cache_");
const label = (name) => name.replace(/^cache_/, "").replace(/_/g, " ");
const shown = (name, value) => (name.endsWith("_usd") ? CG.usd(value)
  : name.endsWith("_rate") ? CG.percent(value) : CG.count(value));

async function drawCache() {
  const report = await CG.get("/admin/usage?by=model&period=day&since=30d");
  const total = report.total;
  const fields = Object.keys(total).filter(isCacheField);
  const tiles = fields.map((name) => CG.tile(label(name), shown(name, total[name]), `tile-${name}`));
  if ("cache_hits" in total && !("cache_hit_rate" in total) && total.requests) {
    tiles.unshift(CG.tile("hit rate", CG.percent(total.cache_hits / total.requests), "tile-hit-rate"));
  }
  document.getElementById("cache-tiles").replaceChildren(...tiles);
  document.getElementById("no-cache").hidden = fields.length > 0;
  document.getElementById("cache-charts").hidden = fields.length === 0;
  if (fields.length) {
    const periods = [...new Set(report.lines.map((line) => line.period))].sort();
    const sum = (period, name) => report.lines.filter((line) => line.period === period)
      .reduce((acc, line) => acc + Number(line[name] || 0), 0);
    CG.chart("cache-chart", { type: "bar", data: { labels: periods,
      datasets: fields.map((name, index) => ({ label: label(name), data: periods.map((p) => sum(p, name)),
                                              backgroundColor: CG.palette[index % CG.palette.length] })) } });
  }
  const share = total.prompt_tokens ? total.cached_tokens / total.prompt_tokens : 0;
  document.getElementById("prompt-cache").textContent =
    `${CG.count(total.cached_tokens)} of ${CG.count(total.prompt_tokens)} prompt tokens ` +
    `(${CG.percent(share)}) were read from the upstream's prompt cache in the last 30 days.`;
  document.body.dataset.loaded = "cache";
}
CG.run(drawCache);
