// The survey's invitation on the citizen's status page (/t/<token>, kiosk/): once the ticket is
// done, the hub says whether its survey is open (GET /api/survey/{token}); the page then offers it,
// runs it in place (form.js), or thanks the citizen who already answered. It follows the ticket
// through the page's "mpp:ticket" events (kiosk/static/status.js).
(function () {
  "use strict";

  const { $, el } = window.MppUI;
  const boot = window.MppUI.boot(); // kiosk/page.py StatusBoot
  let asked = false; // the hub was asked once the ticket was done

  function invite(survey) {
    const card = $("survey");
    card.replaceChildren();
    card.hidden = false;
    card.append(el("p", "survey-invite-title", survey.message), el("p", "survey-invite-text", survey.intro));
    const start = el("button", "survey-button primary", "Isi survei kepuasan");
    start.type = "button";
    start.id = "survey-start";
    start.addEventListener("click", () => {
      const form = window.MppSurvey.form(card, { token: boot.token, channel: "status" });
      form.start();
    });
    card.append(start);
  }

  function thanked(text) {
    const card = $("survey");
    card.replaceChildren(el("p", "survey-invite-title", text));
    card.hidden = false;
  }

  async function offer() {
    asked = true;
    let data = null;
    try {
      const response = await fetch("/api/survey/" + encodeURIComponent(boot.token), {
        cache: "no-store", signal: AbortSignal.timeout(10000),
      });
      data = response.ok ? await response.json() : null;
    } catch (err) {
      data = null;
    }
    if (!data) {
      asked = false; // asked again with the next update of the ticket
      return;
    }
    if (data.state === "open") invite(data);
    else if (data.state === "answered") thanked(data.message);
  }

  document.addEventListener("mpp:ticket", (event) => {
    if (event.detail.status === "done" && !asked) offer();
  });
})();
