// Shared helpers of the dashboard's pages: reports from the admin API (with the session
// cookie), changes with the session's CSRF token, DOM building without HTML strings
// (so no figure from the gateway is ever parsed as markup), number formats and charts.
"use strict";

const CG = (() => {
  const meta = (name) => document.querySelector(`meta[name="${name}"]`)?.content || "";
  const role = meta("careergate-role");
  const palette = ["#2f6fdf", "#e07b39", "#2f855a", "#9b59b6", "#c0392b", "#16a2b8",
                   "#b7791f", "#5b6477", "#d35d90", "#6c8e23"];

  function showError(message) {
    const box = document.getElementById("page-error");
    box.textContent = message;
    box.hidden = false;
  }

  async function call(method, path, body) {
    const headers = { "accept": "application/json" };
    if (method !== "GET") {
      headers["x-csrf-token"] = meta("careergate-csrf");
      headers["content-type"] = "application/json";
    }
    const response = await fetch(path, {
      method, headers, credentials: "same-origin",
      body: body === undefined ? undefined : JSON.stringify(body),
    });
    if (response.status === 401) {
      window.location.assign("/dashboard/login");
      throw new Error("the session has ended");
    }
    const data = await response.json().catch(() => ({}));
    if (!response.ok) {
      const message = data.error ? data.error.message : `HTTP ${response.status}`;
      throw new Error(message);
    }
    return data;
  }

  function el(tag, attrs, ...children) {
    const node = document.createElement(tag);
    for (const [name, value] of Object.entries(attrs || {})) {
      if (value === undefined || value === null || value === false) continue;
      if (name === "class") node.className = value;
      else if (name === "text") node.textContent = value;
      else if (name.startsWith("on")) node.addEventListener(name.slice(2), value);
      else node.setAttribute(name, value === true ? "" : value);
    }
    for (const child of children.flat()) {
      if (child === null || child === undefined) continue;
      node.append(child instanceof Node ? child : document.createTextNode(String(child)));
    }
    return node;
  }

  // Costs can be fractions of a cent: keep four significant digits below a dollar.
  function usd(value) {
    const number = Number(value || 0);
    if (number === 0) return "$0";
    if (Math.abs(number) >= 1) return "$" + number.toFixed(2);
    return "$" + number.toPrecision(4).replace(/0+$/, "").replace(/\.$/, "");
  }
  const count = (value) => Number(value || 0).toLocaleString("en");
  const when = (iso) => (iso ? new Date(iso).toISOString().replace("T", " ").slice(0, 16) + " UTC" : "never");
  const percent = (value) => (100 * Number(value || 0)).toFixed(1) + "%";

  function tile(label, value, id) {
    return el("div", { class: "tile", id }, el("div", { class: "label", text: label }),
              el("div", { class: "value", text: value }));
  }

  function badge(text, tone) { return el("span", { class: `badge ${tone || ""}`, text }); }

  const charts = new Map();
  // Draws (or redraws) a chart; without the chart library the page keeps its tables.
  function chart(canvasId, config) {
    if (!window.Chart) return null;
    const canvas = document.getElementById(canvasId);
    charts.get(canvasId)?.destroy();
    config.options = Object.assign({ animation: false, responsive: true, maintainAspectRatio: false },
                                   config.options || {});
    const made = new window.Chart(canvas, config);
    charts.set(canvasId, made);
    return made;
  }

  function fillTable(id, rows) {
    const body = document.querySelector(`#${id} tbody`);
    body.replaceChildren(...rows);
  }

  const isAdmin = role === "admin";
  async function run(work) {
    try { await work(); } catch (error) { showError(error.message); }
  }

  return { call, get: (path) => call("GET", path), el, usd, count, when, percent, tile, badge,
           chart, palette, fillTable, isAdmin, role, run, showError };
})();
