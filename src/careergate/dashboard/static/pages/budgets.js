// Budgets: each current period as a burn-down with its linear forecast (/admin/budgets);
// admins create and remove budgets (the admin API refuses anyone else).
"use strict";

const ms = (iso) => new Date(iso).getTime();
const tick = (value) => new Date(value).toISOString().slice(5, 16).replace("T", " ");

function burnDown(canvasId, budget) {
  const limit = Number(budget.limit_usd);
  const remaining = [{ x: ms(budget.starts), y: limit },
    ...budget.burn_down.map((step) => ({ x: ms(step.at), y: Number(step.remaining_usd) }))];
  const now = Date.now();
  const left = limit - Number(budget.spent_usd);
  remaining.push({ x: now, y: left });
  const forecast = [{ x: now, y: left }];
  if (budget.ends && budget.forecast_usd !== null) {
    forecast.push({ x: ms(budget.ends), y: limit - Number(budget.forecast_usd) });
  }
  const end = budget.ends ? ms(budget.ends) : now;
  CG.chart(canvasId, {
    type: "line",
    data: { datasets: [
      { label: "remaining (USD)", data: remaining, borderColor: CG.palette[0], stepped: true },
      { label: "forecast", data: forecast, borderColor: CG.palette[1], borderDash: [6, 4] },
      { label: "limit", data: [{ x: ms(budget.starts), y: limit }, { x: end, y: limit }],
        borderColor: "#b9c2d3", pointRadius: 0 },
    ] },
    options: { scales: {
      x: { type: "linear", min: ms(budget.starts), max: end, ticks: { callback: tick, maxTicksLimit: 8 } },
      y: { beginAtZero: true },
    } },
  });
}

function budgetCard(budget, index) {
  const canvasId = `burn-${index}`;
  const remove = CG.el("button", { class: "danger admin-only", text: "Remove",
    "data-budget": budget.id,
    onclick: () => CG.run(async () => {
      if (!window.confirm(`Remove the budget '${budget.name}'?`)) return;
      await CG.call("DELETE", `/admin/budgets/${encodeURIComponent(budget.id)}`);
      await drawBudgets();
    }) });
  return CG.el("article", { class: "card budget", "data-budget": budget.id },
    CG.el("h3", { text: budget.name }),
    CG.el("div", { class: "facts" },
      CG.el("span", {}, `${budget.scope} `, CG.el("b", { text: budget.subject })),
      CG.el("span", {}, `${budget.period} (${budget.window}) `, CG.badge(budget.hard ? "hard" : "soft")),
      CG.el("span", {}, "limit ", CG.el("b", { text: CG.usd(budget.limit_usd) })),
      CG.el("span", { class: "spent" }, "spent ", CG.el("b", { text: CG.usd(budget.spent_usd) }),
            ` (${CG.percent(budget.used)})`),
      CG.el("span", {}, "forecast ", CG.el("b", {
        text: budget.forecast_usd === null ? "none" : CG.usd(budget.forecast_usd) })),
      CG.el("span", {}, "runs out ", CG.el("b", {
        text: budget.runs_out_at ? CG.when(budget.runs_out_at) : "not this period" })),
    ),
    CG.el("div", { class: "chart-box" }, CG.el("canvas", { id: canvasId })),
    remove);
}

async function drawBudgets() {
  const budgets = (await CG.get("/admin/budgets")).data;
  const list = document.getElementById("budget-list");
  list.replaceChildren(...(budgets.length ? budgets.map(budgetCard)
    : [CG.el("p", { class: "empty", text: "No budgets yet." })]));
  budgets.forEach((budget, index) => burnDown(`burn-${index}`, budget));
  document.body.dataset.loaded = "budgets";
}

document.getElementById("budget-form").addEventListener("submit", (event) => {
  event.preventDefault();
  const form = new FormData(event.target);
  CG.run(async () => {
    await CG.call("POST", "/admin/budgets", {
      scope: form.get("scope"), subject: form.get("subject") || "*", period: form.get("period"),
      limit_usd: form.get("limit_usd"), hard: form.get("soft") === null,
    });
    event.target.reset();
    await drawBudgets();
  });
});
CG.run(drawBudgets);
