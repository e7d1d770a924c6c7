// Eval results (/admin/evals): each run's models by quality (on a fixed 0 to 1 scale, so
// a weak model never draws as a full bar), cost per task and latency.
"use strict";

function runCard(run, index) {
  const recommended = run.models.find((m) => m.recommended);
  const rows = run.models.map((m) => CG.el("tr", {},
    CG.el("td", {}, m.model, m.recommended ? [" ", CG.badge("recommended", "good")] : null),
    CG.el("td", { class: "num", text: m.quality.toFixed(3) }),
    CG.el("td", { class: "num", text: CG.usd(m.cost_per_task_usd) }),
    CG.el("td", { class: "num", text: m.p50_ms }),
    CG.el("td", { class: "num", text: m.p95_ms }),
    CG.el("td", { class: "num", text: CG.percent(m.failure_rate) }),
  ));
  return CG.el("article", { class: "card eval-run", "data-run": run.run_id },
    CG.el("h3", { text: run.task_set }),
    CG.el("div", { class: "facts" },
      CG.el("span", { text: CG.when(run.at) }),
      CG.el("span", {}, "recommended ", CG.el("b", { text: recommended ? recommended.model : "none" }))),
    CG.el("div", { class: "chart-box" }, CG.el("canvas", { id: `eval-${index}` })),
    CG.el("table", { class: "data" },
      CG.el("thead", {}, CG.el("tr", {}, ["model", "quality", "cost / task", "p50 ms", "p95 ms", "failed"]
        .map((h) => CG.el("th", { text: h })))),
      CG.el("tbody", {}, rows)));
}

async function drawEvals() {
  const runs = (await CG.get("/admin/evals?limit=6")).data;
  document.getElementById("eval-runs").replaceChildren(...(runs.length ? runs.map(runCard)
    : [CG.el("p", { class: "empty", text: "No eval runs yet: run careergate eval." })]));
  runs.forEach((run, index) => CG.chart(`eval-${index}`, { type: "bar",
    data: { labels: run.models.map((m) => m.model), datasets: [
      { label: "quality (0 to 1)", data: run.models.map((m) => m.quality), backgroundColor: CG.palette[2], yAxisID: "quality" },
      { label: "cost per task (USD)", data: run.models.map((m) => Number(m.cost_per_task_usd)), backgroundColor: CG.palette[1], yAxisID: "cost" },
    ] },
    options: { scales: { quality: { position: "left", min: 0, max: 1 },
                         cost: { position: "right", beginAtZero: true, grid: { drawOnChartArea: false } } } } }));
  document.body.dataset.loaded = "evals";
}
CG.run(drawEvals);
