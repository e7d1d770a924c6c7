// Keys: last use, the last day's activity and what the key rules find unusual
// (/admin/key-activity); admins revoke a key from here (the admin API refuses anyone else).
"use strict";

function keyRow(key) {
  const tone = { active: "good", revoked: "bad", expired: "warn" }[key.state];
  const revoke = key.state === "active"
    ? CG.el("button", { class: "danger", text: "Revoke", "data-key": key.id,
        onclick: () => CG.run(async () => {
          if (!window.confirm(`Revoke ${key.prefix}...? Requests with it are refused at once.`)) return;
          await CG.call("DELETE", `/admin/keys/${encodeURIComponent(key.id)}`);
          await drawKeys();
        }) })
    : null;
  return CG.el("tr", { "data-key": key.id },
    CG.el("td", {}, CG.el("code", { text: `${key.prefix}...` })),
    CG.el("td", { text: key.name || "" }),
    CG.el("td", { text: key.role }),
    CG.el("td", { text: [key.user, key.team].filter(Boolean).join(" / ") }),
    CG.el("td", { class: "state" }, CG.badge(key.state, tone)),
    CG.el("td", { text: CG.when(key.last_used_at) }),
    CG.el("td", { text: key.last_client || "" }),
    CG.el("td", { class: "num", text: CG.count(key.last_day.requests) }),
    CG.el("td", { class: "num", text: CG.count(key.last_day.errors) }),
    CG.el("td", { class: "num", text: CG.usd(key.last_day.cost_usd) }),
    CG.el("td", {}, key.anomalies.map((a) => CG.el("div", {}, CG.badge(a.kind, "warn"), " ", a.message))),
    CG.el("td", { class: "admin-only" }, revoke),
  );
}

async function drawKeys() {
  const keys = (await CG.get("/admin/key-activity")).data;
  CG.fillTable("keys-table", keys.map(keyRow));
  const spending = keys.filter((k) => Number(k.last_day.cost_usd) > 0)
    .sort((a, b) => Number(b.last_day.cost_usd) - Number(a.last_day.cost_usd)).slice(0, 12);
  CG.chart("key-cost-chart", { type: "bar",
    data: { labels: spending.map((k) => `${k.prefix}... ${k.name || k.user || ""}`.trim()),
            datasets: [{ label: "cost (USD)", data: spending.map((k) => Number(k.last_day.cost_usd)),
                         backgroundColor: CG.palette[0] }] },
    options: { indexAxis: "y", scales: { x: { beginAtZero: true } } } });
  document.body.dataset.loaded = "keys";
}
CG.run(drawKeys);
