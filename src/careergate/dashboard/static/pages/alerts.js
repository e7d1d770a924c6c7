// Alerts: key, budget, breaker and performance alerts (/admin/alerts); admins
// acknowledge them (the admin API refuses anyone else).
"use strict";

function alertRow(alert) {
  const state = alert.acknowledged
    ? CG.badge(`acknowledged by ${alert.acknowledged_by}`, "good")
    : CG.badge("open", "bad");
  const acknowledge = alert.acknowledged ? null : CG.el("button", {
    text: "Acknowledge", "data-alert": alert.id,
    onclick: () => CG.run(async () => {
      await CG.call("POST", `/admin/alerts/${alert.id}/acknowledge`);
      await drawAlerts();
    }) });
  return CG.el("tr", { "data-alert": alert.id, "data-kind": alert.kind },
    CG.el("td", { text: CG.when(alert.last_at) }),
    CG.el("td", {}, CG.el("code", { text: alert.kind })),
    CG.el("td", { text: alert.subject }),
    CG.el("td", { class: "num", text: CG.count(alert.count) }),
    CG.el("td", { text: alert.message }),
    CG.el("td", { class: "state" }, state),
    CG.el("td", { class: "admin-only" }, acknowledge),
  );
}

async function drawAlerts() {
  const alerts = (await CG.get("/admin/alerts?limit=200")).data;
  CG.fillTable("alerts-table", alerts.length ? alerts.map(alertRow)
    : [CG.el("tr", {}, CG.el("td", { colspan: "7", class: "empty", text: "No alerts." }))]);
  const kinds = {};
  for (const alert of alerts) kinds[alert.kind] = (kinds[alert.kind] || 0) + alert.count;
  CG.chart("alert-chart", { type: "bar",
    data: { labels: Object.keys(kinds),
            datasets: [{ label: "times raised", data: Object.values(kinds), backgroundColor: CG.palette[4] }] },
    options: { scales: { y: { beginAtZero: true, ticks: { precision: 0 } } } } });
  document.body.dataset.loaded = "alerts";
}
CG.run(drawAlerts);
