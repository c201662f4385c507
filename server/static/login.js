// The log-in form of the pages that hold an officer's session (the counter panel, the admin
// console): #login-form with #username, #pin, #login-button and #login-message.
//
//   MppLogin.attach((answer) => { ... answer.token, answer.officer ... });
//
// It sends POST /api/login, shows the hub's message on a refusal and, after too many wrong
// PINs, counts down on the button the seconds the hub gives (429 `retry_after`).
(function (global) {
  "use strict";

  const $ = (id) => document.getElementById(id);
  const TIMEOUT_MS = 10000; // a log-in still unanswered after this is given up

  function say(text, kind) {
    const node = $("login-message");
    node.textContent = text;
    node.className = "message " + (kind || "");
  }

  function attach(onLoggedIn) {
    const button = $("login-button");
    let lockTimer = null;

    function ready() {
      button.disabled = false;
      button.textContent = "Masuk";
    }

    // Too many wrong PINs: the hub refuses for a while; count down on the button.
    function lock(seconds) {
      const until = Date.now() + seconds * 1000;
      clearInterval(lockTimer);
      const tick = () => {
        const left = Math.ceil((until - Date.now()) / 1000);
        if (left <= 0) {
          clearInterval(lockTimer);
          ready();
          return;
        }
        button.disabled = true;
        button.textContent = "Coba lagi dalam " + left + " detik";
      };
      tick();
      lockTimer = setInterval(tick, 250);
    }

    $("login-form").addEventListener("submit", async (event) => {
      event.preventDefault();
      if (button.disabled) return;
      const username = $("username").value.trim();
      const pin = $("pin").value;
      if (!username || !pin) {
        say("Isi nama pengguna dan PIN.", "error");
        return;
      }
      button.disabled = true;
      button.textContent = "Memeriksa…";
      let response = null;
      let data = null;
      try {
        response = await fetch("/api/login", {
          method: "POST", headers: { "Content-Type": "application/json" }, cache: "no-store",
          body: JSON.stringify({ username, pin }), signal: AbortSignal.timeout(TIMEOUT_MS),
        });
        data = await response.json().catch(() => null);
      } catch (err) {
        data = null;
      }
      $("pin").value = "";
      if (response && response.ok && data) {
        ready();
        say("");
        onLoggedIn(data);
        return;
      }
      const error = (data && data.error) || {};
      say(error.message || (response ? "Server menjawab dengan kode " + response.status + "."
        : "Tidak dapat menghubungi server. Periksa jaringan."), "error");
      const retry = error.retry_after || (response && Number(response.headers.get("Retry-After")));
      if (response && response.status === 429 && retry) {
        lock(retry);
      } else {
        ready();
        $("pin").focus();
      }
    });
  }

  global.MppLogin = { attach };
})(window);
