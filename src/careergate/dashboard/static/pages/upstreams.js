// Upstream health (breakers, error rates, latency: /health/upstreams) and the gateway's
// performance against its objectives (/admin/performance).
"use strict";

const minute = (iso) => iso.slice(11, 16);

function burnBadge(rate, threshold) {
  return CG.badge(rate.toFixed(1), rate >= threshold ? "bad" : rate >= 1 ? "warn" : "good");
}

function drawObjectives(performance) {
  const o = performance.objectives;
  const gateway = performance.gateway;
  const short = gateway.windows["5m"];
  const long = gateway.windows["1h"];
  document.getElementById("objective-tiles").replaceChildren(
    CG.tile(`Objective: p${o.latency_percentile} within`, `${o.latency_ms} ms`),
    CG.tile(`p${o.latency_percentile} latency, 5 min`, short.tail_ms === null ? "no requests" : `${short.tail_ms} ms`, "tile-tail"),
    CG.tile("Latency burn rate 5 min / 1 h", `${short.latency_burn_rate} / ${long.latency_burn_rate}`, "tile-latency-burn"),
    CG.tile("Error burn rate 5 min / 1 h", `${short.error_burn_rate} / ${long.error_burn_rate}`, "tile-error-burn"),
    CG.tile("Requests, last hour", CG.count(long.requests), "tile-hour-requests"),
    CG.tile("Objectives burning now", String(performance.burning.length), "tile-burning"),
  );
  const series = gateway.series.filter((point) => point.requests > 0);
  const labels = series.map((point) => minute(point.at));
  CG.chart("latency-chart", { type: "line", data: { labels, datasets: [
    { label: "p50 ms", data: series.map((p) => p.p50_ms), borderColor: CG.palette[0] },
    { label: `p${o.latency_percentile} ms`, data: series.map((p) => p.tail_ms), borderColor: CG.palette[1] },
    { label: "objective", data: series.map(() => o.latency_ms), borderColor: CG.palette[4], borderDash: [6, 4], pointRadius: 0 },
  ] }, options: { scales: { y: { beginAtZero: true } } } });
  CG.chart("errors-chart", { type: "bar", data: { labels, datasets: [
    { label: "requests", data: series.map((p) => p.requests), backgroundColor: CG.palette[0] },
    { label: "server errors", data: series.map((p) => p.failed), backgroundColor: CG.palette[4] },
  ] }, options: { scales: { y: { beginAtZero: true, ticks: { precision: 0 } } } } });
}

async function drawUpstreams() {
  const health = (await CG.get("/health/upstreams")).deployments;
  const performance = await CG.get("/admin/performance");
  drawObjectives(performance);
  const threshold = performance.objectives.burn_rate;
  CG.fillTable("upstreams-table", health.map((d) => {
    const watched = performance.upstreams[d.deployment];
    const burn = watched ? [watched.windows["5m"].latency_burn_rate, watched.windows["1h"].latency_burn_rate] : null;
    const tone = { closed: "good", open: "bad", "half-open": "warn" }[d.state];
    return CG.el("tr", { "data-deployment": d.deployment },
      CG.el("td", { text: d.deployment }),
      CG.el("td", { class: "state" }, CG.badge(d.state, tone)),
      CG.el("td", { text: d.reason || "" }),
      CG.el("td", { class: "num", text: CG.percent(d.error_rate) }),
      CG.el("td", { class: "num", text: CG.count(d.requests) }),
      CG.el("td", { class: "num", text: d.p50_ms ?? "" }),
      CG.el("td", { class: "num", text: d.p99_ms ?? "" }),
      CG.el("td", { text: d.last_probe_ok === null ? "not probed" : d.last_probe_ok ? "ok" : "failed" }),
      CG.el("td", {}, burn ? [burnBadge(burn[0], threshold), " / ", burnBadge(burn[1], threshold)] : "no answers yet"),
    );
  }));
  CG.chart("upstream-chart", { type: "bar", data: { labels: health.map((d) => d.deployment), datasets: [
    { label: "p50 ms", data: health.map((d) => d.p50_ms), backgroundColor: CG.palette[0] },
    { label: "p99 ms", data: health.map((d) => d.p99_ms), backgroundColor: CG.palette[1] },
  ] }, options: { scales: { y: { beginAtZero: true } } } });
  document.body.dataset.loaded = "upstreams";
}
CG.run(drawUpstreams);
