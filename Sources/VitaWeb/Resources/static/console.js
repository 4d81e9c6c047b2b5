// Vita issuer console: follows a bulk issuance job's progress without reloading the page.
// Progressive enhancement only: without this script the page shows the same numbers and a refresh link.
(function () {
  "use strict";
  var section = document.getElementById("job");
  if (!section || section.getAttribute("data-finished") === "true" || !window.fetch) { return; }
  var bar = document.getElementById("job-progress");
  var summary = document.getElementById("job-summary");
  var report = document.getElementById("job-report");
  var refresh = document.getElementById("job-refresh");
  var url = "/admin/bulk/" + encodeURIComponent(section.getAttribute("data-job")) + "/progress";
  refresh.hidden = true;
  function poll() {
    fetch(url, { credentials: "same-origin", headers: { "Accept": "application/json" } })
      .then(function (response) { if (!response.ok) { throw new Error(String(response.status)); } return response.json(); })
      .then(function (job) {
        var done = job.issued + job.rejected;
        bar.max = job.totalRows;
        bar.value = done;
        bar.textContent = done + " / " + job.totalRows;
        if (job.finished) {
          summary.textContent = section.getAttribute("data-finished-text")
            .replace("{issued}", job.issued).replace("{rejected}", job.rejected).replace("{total}", job.totalRows);
          section.setAttribute("data-finished", "true");
          report.hidden = false;
        } else {
          summary.textContent = section.getAttribute("data-running-text")
            .replace("{done}", done).replace("{total}", job.totalRows)
            .replace("{issued}", job.issued).replace("{rejected}", job.rejected);
          window.setTimeout(poll, 700);
        }
      })
      .catch(function () { refresh.hidden = false; });
  }
  window.setTimeout(poll, 300);
})();
