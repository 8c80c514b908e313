// The inspector's only script: it polls the request log and drives the control API (/_mock/).
// It writes text with textContent only, so nothing a client sent can become markup or script.
"use strict";

(function () {
  const tokenMeta = document.querySelector('meta[name="frameio-mock-admin-token"]');
  const adminToken = tokenMeta ? tokenMeta.content : "";

  function problem(text) {
    const box = document.getElementById("problem");
    if (!box) return;
    box.textContent = text;
    box.hidden = !text;
  }

  async function control(method, path, body) {
    const headers = {};
    if (adminToken) headers.Authorization = "Bearer " + adminToken;
    const options = { method: method, headers: headers, credentials: "same-origin" };
    if (body !== undefined) {
      headers["Content-Type"] = "application/json";
      options.body = JSON.stringify(body);
    }
    const response = await fetch("/_mock" + path, options);
    const text = await response.text();
    const data = text ? JSON.parse(text) : null;
    if (!response.ok) {
      throw new Error((data && data.error) || response.status + " " + response.statusText);
    }
    return data;
  }

  async function act(method, path, body) {
    try {
      await control(method, path, body);
      location.reload();
    } catch (error) {
      problem(error.message);
    }
  }

  function cell(row, text, className) {
    const td = document.createElement("td");
    td.textContent = text === null || text === undefined ? "" : String(text);
    if (className) td.className = className;
    row.appendChild(td);
    return td;
  }

  function statusClass(status) {
    if (status >= 400) return "status-error";
    if (status >= 300) return "status-redirect";
    return "status-ok";
  }

  // Request log ----------------------------------------------------------------------------
  const logRows = document.getElementById("log-rows");
  const logFilter = document.getElementById("log-filter");
  let lastId = 0;
  let shown = [];

  function filterQuery() {
    const params = new URLSearchParams();
    for (const name of ["endpoint", "status", "client_id", "method"]) {
      const value = logFilter.elements[name].value.trim();
      if (value) params.set(name, value);
    }
    return params;
  }

  function renderLog() {
    const errorsOnly = logFilter.elements.errors_only.checked;
    const entries = shown.filter((entry) => !errorsOnly || entry.status >= 400 || entry.error);
    logRows.replaceChildren();
    if (!entries.length) {
      const row = document.createElement("tr");
      cell(row, "No requests match.", "muted").colSpan = 10;
      logRows.appendChild(row);
    }
    for (const entry of entries.slice(-300).reverse()) {
      const row = document.createElement("tr");
      row.dataset.endpoint = entry.endpoint;
      cell(row, entry.id);
      cell(row, new Date(entry.time * 1000).toISOString().slice(11, 23));
      cell(row, entry.method);
      cell(row, entry.path);
      cell(row, entry.endpoint);
      cell(row, entry.status, statusClass(entry.status));
      cell(row, entry.client_id);
      cell(row, entry.grant_type);
      const why = [entry.error, entry.error_description].filter(Boolean).join(": ");
      cell(row, why || (entry.location ? "→ " + entry.location : ""));
      cell(row, entry.fault ? "#" + entry.fault : "");
      logRows.appendChild(row);
    }
    document.getElementById("log-count").textContent = entries.length + " shown";
  }

  const LOG_PROBLEM = "Request log: ";

  async function pollLog() {
    if (logFilter.elements.paused.checked) return;
    const params = filterQuery();
    params.set("since", String(lastId));
    try {
      const data = await control("GET", "/requests?" + params.toString());
      if (data.requests.length) {
        shown = shown.concat(data.requests);
        lastId = shown[shown.length - 1].id;
        renderLog();
      }
      // Clear only the poll's own message: another action's error stays until the next one.
      const box = document.getElementById("problem");
      if (box && box.textContent.startsWith(LOG_PROBLEM)) problem("");
    } catch (error) {
      problem(LOG_PROBLEM + error.message);
    }
  }

  function restartLog() {
    lastId = 0;
    shown = [];
    renderLog();
    pollLog();
  }

  if (logRows && logFilter) {
    logFilter.addEventListener("input", restartLog);
    logFilter.addEventListener("change", (event) => {
      if (event.target.name === "errors_only") renderLog();
    });
    logFilter.addEventListener("submit", (event) => event.preventDefault());
    pollLog();
    setInterval(pollLog, 1000);
  }

  // Controls -------------------------------------------------------------------------------
  document.addEventListener("click", (event) => {
    const button = event.target.closest("button[data-action]");
    if (!button) return;
    const action = button.dataset.action;
    if (action === "clock") act("POST", "/clock", JSON.parse(button.dataset.body));
    if (action === "delete-fault") act("DELETE", "/faults/" + button.dataset.faultId);
    if (action === "clear-faults") act("DELETE", "/faults");
    if (action === "clear-log") control("DELETE", "/requests").then(restartLog, (e) => problem(e.message));
    if (action === "reset" && confirm("Drop every code, token, fault and log entry?")) act("POST", "/reset", {});
  });

  const advance = document.getElementById("clock-advance");
  if (advance) {
    advance.addEventListener("submit", (event) => {
      event.preventDefault();
      const seconds = Number(advance.elements.advance.value);
      if (!Number.isFinite(seconds)) return problem("advance: a number of seconds");
      act("POST", "/clock", { advance: seconds });
    });
  }

  const faultForm = document.getElementById("fault-add");
  if (faultForm) {
    faultForm.addEventListener("submit", (event) => {
      event.preventDefault();
      const rule = {};
      const numbers = ["status", "retry_after", "nth", "times", "delay"];
      for (const element of faultForm.elements) {
        if (!element.name || !element.value.trim()) continue;
        rule[element.name] = numbers.includes(element.name) ? Number(element.value) : element.value.trim();
      }
      act("POST", "/faults", rule);
    });
  }

  // Token page -----------------------------------------------------------------------------
  const tokenForm = document.getElementById("token-form");
  if (tokenForm) {
    tokenForm.addEventListener("submit", async (event) => {
      event.preventDefault();
      try {
        const facts = await control("POST", "/tokens/inspect", { token: tokenForm.elements.token.value });
        showToken(facts);
        problem("");
      } catch (error) {
        problem(error.message);
      }
    });
  }

  function when(seconds) {
    return typeof seconds === "number" ? new Date(seconds * 1000).toISOString() : "";
  }

  function showToken(facts) {
    document.getElementById("token-result").hidden = false;
    const verdict = document.getElementById("token-verdict");
    verdict.textContent = (facts.live ? "Live" : "Not live") + ": " + facts.kind + " (" + facts.state + ")";
    verdict.className = "verdict " + (facts.live ? "live" : "dead");
    document.getElementById("token-why").textContent = facts.why || "";
    const rows = document.getElementById("token-facts");
    rows.replaceChildren();
    const shownFacts = [
      ["client_id", facts.client_id], ["profile", facts.profile], ["user", facts.user],
      ["subject", facts.subject], ["scopes", (facts.scopes || []).join(" ")],
      ["issued", when(facts.issued_at)], ["expires", when(facts.expires_at)],
      ["mock clock now", when(facts.now)], ["shape", facts.shape],
    ];
    for (const [name, value] of shownFacts) {
      if (value === undefined || value === null || value === "") continue;
      const row = document.createElement("tr");
      const th = document.createElement("th");
      th.textContent = name;
      row.appendChild(th);
      cell(row, value);
      rows.appendChild(row);
    }
    const jwt = document.getElementById("token-jwt");
    jwt.hidden = !facts.jwt;
    if (facts.jwt) {
      document.getElementById("token-jwt-header").textContent = JSON.stringify(facts.jwt.header, null, 2);
      document.getElementById("token-jwt-claims").textContent =
        JSON.stringify(facts.jwt.claims, null, 2) +
        "\n\n" + (facts.jwt.signed_by_mock ? "Signature: made with this mock's key." : "Signature: NOT this mock's key.");
    }
  }
})();
