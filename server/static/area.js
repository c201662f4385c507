// The admin area's top bar (server/templates/admin_area.html), shared by its pages (/admin,
// /admin/reports, /admin/ikm, /admin/devices, /admin/health, ...): once a page knows who is logged in, it calls
//
//   MppArea.ready(officer);   // {name, role, agency}: from POST /api/login or GET /api/me
//
// which writes the officer's name and role on the bar and shows only the links of the pages that
// role may open. Each link's roles come from the hub (server/admin_area.py, `data-roles`): nothing
// about who may do what is decided here. All the area's pages share one session in the browser tab
// (sessionStorage "mpp.admin.session"), so following a link needs no second log-in.
(function (global) {
  "use strict";

  function ready(officer) {
    const name = document.getElementById("who-name");
    const badge = document.getElementById("who-role");
    if (name) name.textContent = officer.name;
    if (badge) {
      let labels = {};
      try {
        labels = JSON.parse(badge.dataset.labels || "{}");
      } catch (err) {
        labels = {};
      }
      badge.textContent = (labels[officer.role] || officer.role) +
        (officer.role === "koordinator" && officer.agency ? " " + officer.agency : "");
    }
    for (const link of document.querySelectorAll(".area-nav a[data-roles]")) {
      link.hidden = !link.dataset.roles.split(" ").includes(officer.role);
    }
  }

  global.MppArea = { ready };
})(window);
